// nsexec.c: the single-threaded namespace stage of berth-runtime.
//
// A .NET process always runs several threads, and the kernel refuses
// unshare(CLONE_NEWUSER) and setns() into a mount or user namespace from a
// multi-threaded process. So this constructor runs before the .NET runtime
// starts. It does nothing unless berth-runtime re-executed itself with
// _BERTH_INITPIPE set; then it reads a bootstrap message from that socket,
// joins or creates the namespaces, forks into the new PID namespace and
// returns, so that C# starts inside the container as its PID 1 (or as an
// exec'd process). Everything else (mounts, devices, capabilities, ...) is C#.
//
// Processes (stages 1 and 2 are cloned with CLONE_PARENT, so all three are
// children of the runtime: it reaps them, and a foreground "run" or "exec"
// waits for stage 2 directly even when stage 2 lives in a joined PID namespace):
//   stage 0 (spawned by the runtime): joins the container's cgroup, clones
//            stage 1, writes stage 1's uid/gid maps when asked, waits until
//            stage 1 is done with it.
//   stage 1: joins namespaces given by path, unshares the user namespace
//            (mapped by stage 0), then every other requested namespace,
//            clones stage 2 and exits.
//   stage 2: the container process. Sends "ready" with SCM_CREDENTIALS so the
//            runtime learns its pid in the runtime's own PID namespace, then
//            returns from the constructor.
//
// Wire format, both directions: records of { u32 type; u32 len; u8 data[len] }.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

// Bootstrap records (runtime -> stage 0). Keep in sync with InitChannel.cs and Bootstrap.SendTo.
enum {
    BOOT_END = 0,
    BOOT_CLONE_FLAGS = 1,   // u32: CLONE_NEW* flags to unshare
    BOOT_NS_PATH = 2,       // u32 clone flag, then path: a namespace to join
    BOOT_UID_MAP = 3,       // text for /proc/<pid>/uid_map
    BOOT_GID_MAP = 4,       // text for /proc/<pid>/gid_map
    BOOT_SETGROUPS_DENY = 5,// no data: write "deny" to /proc/<pid>/setgroups
    BOOT_OOM_SCORE_ADJ = 6, // text for /proc/self/oom_score_adj
    BOOT_CGROUP = 7,        // u32 CGROUP_* flags, then path: a cgroup to join
};

// BOOT_CGROUP flags.
enum {
    CGROUP_V2 = 1,          // path is a cgroup2 directory (else a v1 "tasks" file)
    CGROUP_BEST_EFFORT = 2, // a failure to join is not an error
    CGROUP_AT_EXEC = 4,     // exec: v1, only open it, the exec'd thread joins just before execve;
                            // v2, the same if the process cannot be born in it
};

// Replies (stage 2 or any stage on failure -> runtime).
enum {
    REPLY_READY = 100,      // no data; carries SCM_CREDENTIALS of stage 2
    REPLY_ERROR = 101,      // text: what failed
    REPLY_STAGE1 = 102,     // no data; carries SCM_CREDENTIALS of stage 1 (the runtime reaps it)
};

#define MAX_NS 8
#define MAX_CGROUPS 32
#define MAX_BOOT (1 << 16)

struct bootstrap {
    uint32_t clone_flags;
    int ns_count;
    uint32_t ns_type[MAX_NS];
    char *ns_path[MAX_NS];
    char *uid_map, *gid_map, *oom_score_adj;
    int setgroups_deny;
    int cgroup_count;
    uint32_t cgroup_flags[MAX_CGROUPS];
    char *cgroup_path[MAX_CGROUPS];
};

static int initpipe = -1;
static int tracing; // _BERTH_TRACE=1: phase lines on stderr, as the runtime's PhaseTrace prints them
static uint32_t v2_flags;

static void trace(const char *phase)
{
    if (!tracing) return;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    dprintf(2, "berth-trace %7d %14.3f %s\n", getpid(), ts.tv_sec * 1e3 + ts.tv_nsec / 1e6, phase);
}

static void send_record(int fd, uint32_t type, const void *data, uint32_t len)
{
    uint32_t hdr[2] = { type, len };
    if (write(fd, hdr, sizeof hdr) != sizeof hdr) return;
    if (len > 0 && write(fd, data, len) < 0) return;
}

// Report one error line to the runtime and end this stage.
static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    int saved = errno;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (saved != 0 && n > 0 && (size_t)n < sizeof msg)
        snprintf(msg + n, sizeof msg - n, ": %s", strerror(saved));
    send_record(initpipe, REPLY_ERROR, msg, (uint32_t)strlen(msg));
    _exit(1);
}

static int read_full(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static char *dup_text(const char *data, uint32_t len)
{
    char *s = malloc(len + 1);
    if (!s) fail("out of memory");
    memcpy(s, data, len);
    s[len] = '\0';
    return s;
}

static void read_bootstrap(struct bootstrap *b)
{
    memset(b, 0, sizeof *b);
    for (;;) {
        uint32_t hdr[2];
        if (read_full(initpipe, hdr, sizeof hdr) < 0) fail("read bootstrap header");
        if (hdr[0] == BOOT_END) return;
        if (hdr[1] > MAX_BOOT) fail("bootstrap record too large");
        char *data = malloc(hdr[1] + 1);
        if (!data) fail("out of memory");
        if (hdr[1] > 0 && read_full(initpipe, data, hdr[1]) < 0) fail("read bootstrap record");
        switch (hdr[0]) {
        case BOOT_CLONE_FLAGS:
            if (hdr[1] != 4) fail("bad clone flags record");
            memcpy(&b->clone_flags, data, 4);
            break;
        case BOOT_NS_PATH:
            if (hdr[1] < 5 || b->ns_count == MAX_NS) fail("bad namespace path record");
            memcpy(&b->ns_type[b->ns_count], data, 4);
            b->ns_path[b->ns_count++] = dup_text(data + 4, hdr[1] - 4);
            break;
        case BOOT_UID_MAP: b->uid_map = dup_text(data, hdr[1]); break;
        case BOOT_GID_MAP: b->gid_map = dup_text(data, hdr[1]); break;
        case BOOT_OOM_SCORE_ADJ: b->oom_score_adj = dup_text(data, hdr[1]); break;
        case BOOT_SETGROUPS_DENY: b->setgroups_deny = 1; break;
        case BOOT_CGROUP:
            if (hdr[1] < 5 || b->cgroup_count == MAX_CGROUPS) fail("bad cgroup record");
            memcpy(&b->cgroup_flags[b->cgroup_count], data, 4);
            b->cgroup_path[b->cgroup_count++] = dup_text(data + 4, hdr[1] - 4);
            break;
        default: fail("unknown bootstrap record %u", hdr[0]);
        }
        free(data);
    }
}

static void write_proc_file(pid_t pid, const char *name, const char *text)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", pid, name);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) fail("open %s", path);
    size_t len = strlen(text);
    if (write(fd, text, len) != (ssize_t)len) fail("write %s", path);
    close(fd);
}

// Join the container's cgroup, in every hierarchy, while this process still
// has one thread and sees the host's paths. Moving a whole process (a pid
// written to cgroup.procs) takes the kernel's global cgroup_threadgroup_rwsem
// for writing, which after a quiet spell waits for an RCU grace period: 5 to
// 10 ms here, for every container. A thread that writes "0" to a v1 "tasks"
// file moves only itself and skips that lock; with a single thread, that is
// the whole process. cgroup2 refuses to move single threads between domains,
// so for it we open the directory, and stage 1 is cloned straight into it
// (CLONE_INTO_CGROUP takes the same lock only for reading). Returns that
// directory's fd, or -1.
// An exec'd process joins its v1 cgroups only just before execve, from .NET,
// so that the runtime's threads never count against pids.max: the tasks
// files are opened here, where the host's paths are visible, and their fds
// (close-on-exec) are listed in _BERTH_CGROUP_TASKS for it.
// Hands an open cgroup file (v1 "tasks", or a v2 "cgroup.procs") to .NET,
// which writes "0" to it just before execve: listed in _BERTH_CGROUP_TASKS,
// "?" marking a best-effort one. Moved to 3 or above, since init later puts
// the console on 0-2 (the runtime may have been started with them closed).
static void late_join(int fd, int best_effort, const char *path)
{
    static char list[MAX_CGROUPS * 14];
    if (fd < 3) {
        int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (moved < 0) fail("dup cgroup file %s", path);
        close(fd);
        fd = moved;
    }
    size_t used = strlen(list);
    snprintf(list + used, sizeof list - used, "%s%s%d", used ? "," : "", best_effort ? "?" : "", fd);
    if (setenv("_BERTH_CGROUP_TASKS", list, 1) < 0) fail("setenv");
}

static int join_cgroups(struct bootstrap *b)
{
    int v2 = -1;
    for (int i = 0; i < b->cgroup_count; i++) {
        int best_effort = b->cgroup_flags[i] & CGROUP_BEST_EFFORT;
        if (b->cgroup_flags[i] & CGROUP_V2) {
            v2 = open(b->cgroup_path[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (v2 < 0 && !best_effort) fail("open cgroup %s", b->cgroup_path[i]);
            v2_flags = b->cgroup_flags[i];
            continue;
        }
        int fd = open(b->cgroup_path[i], O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
            if (!best_effort) fail("open cgroup %s", b->cgroup_path[i]);
            continue;
        }
        if (b->cgroup_flags[i] & CGROUP_AT_EXEC) {
            late_join(fd, best_effort, b->cgroup_path[i]);
            continue;
        }
        if (write(fd, "0", 1) != 1 && !best_effort) fail("join cgroup %s", b->cgroup_path[i]);
        close(fd);
    }
    return v2;
}

// Join every namespace given by path. All are opened first, because joining
// the mount namespace changes what later paths resolve to. Root in the initial
// user namespace joins the user namespace last (it may join the others
// directly, and inside the container's user namespace it could not); an
// unprivileged caller joins it first, because only inside it does it have
// CAP_SYS_ADMIN over the namespaces that user namespace owns.
static void join_namespaces(struct bootstrap *b)
{
    int user_first = geteuid() != 0;
    int fds[MAX_NS];
    for (int i = 0; i < b->ns_count; i++) {
        fds[i] = open(b->ns_path[i], O_RDONLY | O_CLOEXEC);
        if (fds[i] < 0) fail("open namespace %s", b->ns_path[i]);
    }
    for (int pass = 0; pass < 2; pass++) {
        int users_now = user_first ? pass == 0 : pass == 1;
        for (int i = 0; i < b->ns_count; i++) {
            int is_user = b->ns_type[i] == CLONE_NEWUSER;
            if (is_user != users_now) continue;
            if (setns(fds[i], (int)b->ns_type[i]) < 0) fail("setns %s", b->ns_path[i]);
            close(fds[i]);
        }
    }
}

static void stage2(void);
static void send_credentials(uint32_t type);

// fork(), except that the child's parent is our parent (CLONE_PARENT).
// Without CLONE_VM and with no new stack, the child runs on a copy-on-write
// copy of our stack, exactly as after fork().
static pid_t clone_parent(void)
{
    return (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
}

// clone_parent(), with the child born in the cgroup2 directory cgroup_fd
// (clone3 with CLONE_INTO_CGROUP, Linux 5.7). Where that fails (an older
// kernel, a seccomp filter that refuses clone3, an exec into a container at
// its pids.max), a best-effort cgroup is skipped; otherwise the child joins
// through cgroup.procs: at once for create, just before execve for exec.
static pid_t clone_parent_into(int cgroup_fd)
{
    if (cgroup_fd < 0) return clone_parent();
    // clone3 refuses an exit signal with CLONE_PARENT: the child inherits ours
    // (SIGCHLD, from the runtime's posix_spawn).
    struct clone_args args = {
        .flags = CLONE_PARENT | CLONE_INTO_CGROUP,
        .cgroup = (uint64_t)cgroup_fd,
    };
    pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
    if (pid >= 0) return pid;
    if (v2_flags & CGROUP_BEST_EFFORT) return clone_parent();
    int procs = openat(cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
    if (procs < 0) fail("open cgroup.procs");
    pid = clone_parent();
    if (pid != 0) {
        close(procs);
        return pid;
    }
    if (v2_flags & CGROUP_AT_EXEC) late_join(procs, 0, "cgroup.procs");
    else if (write(procs, "0", 1) != 1) fail("join cgroup");
    else close(procs);
    return 0;
}

// Stage 1: join the namespaces given by path, unshare the user namespace
// (stage 0 writes the maps), then the rest, then fork the process that lives
// in the new PID namespace.
static void stage1(struct bootstrap *b, int sync)
{
    char c;
    // Joining namespaces of a running container: keep /proc/self/* of the
    // not-yet-confined process out of reach of that container.
    if (b->ns_count > 0 && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) fail("prctl dumpable");
    join_namespaces(b);
    trace("stage 1: joined namespaces");
    if (b->clone_flags & CLONE_NEWUSER) {
        if (unshare(CLONE_NEWUSER) < 0) fail("unshare user namespace");
        // The maps are written by stage 0 from outside: only a process with
        // CAP_SETUID in the parent namespace may map more than its own uid.
        if (write(sync, "m", 1) != 1) fail("sync with stage 0");
        if (read(sync, &c, 1) != 1 || c != 'k') fail("stage 0 could not write id maps");
        if (setresgid(0, 0, 0) < 0) fail("setresgid 0");
        if (setresuid(0, 0, 0) < 0) fail("setresuid 0");
    }
    uint32_t rest = b->clone_flags & ~(uint32_t)CLONE_NEWUSER;
    if (rest && unshare((int)rest) < 0) fail("unshare namespaces 0x%x", rest);
    trace("stage 1: unshared");
    close(sync);
    // Stage 1 is the runtime's child (CLONE_PARENT): tell it our pid so that it can reap us.
    send_credentials(REPLY_STAGE1);

    // A new PID namespace (created or joined) only applies to children.
    pid_t child = clone_parent();
    if (child < 0) fail("fork into the container");
    if (child == 0) {
        stage2();
        return; // back into the constructor, then into .NET
    }
    _exit(0);
}

static void stage2(void)
{
    // The container's init leads its own session (a controlling terminal needs it).
    if (setsid() < 0) fail("setsid");
    send_credentials(REPLY_READY);
    trace("stage 2: ready");
}

// A header-only record with SCM_CREDENTIALS: the kernel translates our pid
// into the receiver's PID namespace, whatever namespace we are in.
static void send_credentials(uint32_t type)
{
    struct ucred cred = { .pid = getpid(), .uid = getuid(), .gid = getgid() };
    char ctl[CMSG_SPACE(sizeof cred)];
    memset(ctl, 0, sizeof ctl);
    uint32_t hdr[2] = { type, 0 };
    struct iovec iov = { .iov_base = hdr, .iov_len = sizeof hdr };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_CREDENTIALS;
    cm->cmsg_len = CMSG_LEN(sizeof cred);
    memcpy(CMSG_DATA(cm), &cred, sizeof cred);
    if (sendmsg(initpipe, &msg, 0) < 0) fail("send credentials");
}

__attribute__((constructor)) static void berth_nsexec(void)
{
    const char *env = getenv("_BERTH_INITPIPE");
    if (env == NULL) return; // a normal CLI invocation: nothing to do

    initpipe = atoi(env);
    const char *t = getenv("_BERTH_TRACE");
    tracing = t != NULL && strcmp(t, "1") == 0;
    trace("stage 0: started");
    struct bootstrap b;
    read_bootstrap(&b);
    trace("stage 0: bootstrap read");

    if (b.oom_score_adj) write_proc_file(getpid(), "oom_score_adj", b.oom_score_adj);
    int v2 = join_cgroups(&b);

    int sync[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sync) < 0) fail("socketpair");
    pid_t child = clone_parent_into(v2);
    if (child < 0) fail("fork stage 1");
    if (child == 0) {
        close(sync[0]);
        if (v2 >= 0) close(v2);
        stage1(&b, sync[1]);
        // Only stage 2 gets here: .NET starts next, inside the namespaces, and
        // finds the channel to the runtime through _BERTH_INITPIPE.
        return;
    }
    close(sync[1]);

    char c;
    ssize_t n = read(sync[0], &c, 1);
    if (n == 1 && c == 'm') {
        if (b.setgroups_deny) write_proc_file(child, "setgroups", "deny");
        if (b.uid_map) write_proc_file(child, "uid_map", b.uid_map);
        if (b.gid_map) write_proc_file(child, "gid_map", b.gid_map);
        if (write(sync[0], "k", 1) != 1) fail("sync with stage 1");
    }
    // Stage 1 is not our child (CLONE_PARENT): its end of the socket closing
    // (it exits after cloning stage 2) tells us we are done. Stage 1 and 2
    // report their own errors to the runtime.
    while (read(sync[0], &c, 1) > 0) {}
    _exit(0);
}
