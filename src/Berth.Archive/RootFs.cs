using Berth.Interop;

namespace Berth.Archive;

/// <summary>
/// Directory resolution confined to one root directory fd, with chroot semantics: symlinks met on the way
/// are followed, but an absolute target restarts at the root and ".." stops at the root. Nothing here
/// ever resolves a path from "/" or from the working directory, and the last component of an entry is
/// never resolved here at all: callers act on it with *at calls and AT_SYMLINK_NOFOLLOW / O_NOFOLLOW.
/// <para>
/// Uses openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) when the kernel has it (probed once), and a
/// component-by-component openat(O_PATH | O_NOFOLLOW) walk otherwise, or when directories must be created.
/// </para>
/// </summary>
internal sealed class RootFs : IDisposable
{
    private const int MaxSymlinks = 40; // the kernel's own limit
    private const int CacheLimit = 64;
    private const int ENOENT = 2, ENOTDIR = 20, EEXIST = 17, ELOOP = 40, EAGAIN = 11, EXDEV = 18, ENOSYS = 38;

    private static readonly Lazy<bool> s_openat2 = new(ProbeOpenat2);

    private readonly bool _openat2;
    private readonly Dictionary<string, SafeFd> _cache = new(StringComparer.Ordinal);
    private readonly List<SafeFd> _retired = [];
    private readonly Action<int, string> _onImplicitDir;

    /// <summary>O_PATH fd of the root directory.</summary>
    public SafeFd Root { get; }

    /// <param name="onImplicitDir">called with (parent fd, name) for each missing parent directory the walk creates.</param>
    public RootFs(SafeFd root, bool allowOpenat2, Action<int, string> onImplicitDir)
    {
        Root = root;
        _openat2 = allowOpenat2 && s_openat2.Value;
        _onImplicitDir = onImplicitDir;
    }

    public static bool Openat2Available => s_openat2.Value;

    private static bool ProbeOpenat2()
    {
        int fd = Libc.OpenAt2(Libc.AT_FDCWD, "/", (ulong)(Libc.O_PATH | Libc.O_CLOEXEC), 0, Libc.RESOLVE_IN_ROOT | Libc.RESOLVE_NO_MAGICLINKS);
        if (fd < 0) return false; // ENOSYS before 5.6, EPERM under some seccomp profiles
        Libc.Close(fd);
        return true;
    }

    /// <summary>
    /// Resolves the first <paramref name="count"/> components of <paramref name="parts"/> to a directory inside
    /// the root. Returns an O_PATH fd owned by this object and valid until <see cref="EndEntry"/>, or -1 when
    /// something is missing (or not a directory) and <paramref name="create"/> is false.
    /// Throws <see cref="LayerRefusal"/> for a symlink loop or a non-directory parent when creating.
    /// </summary>
    public int ResolveDir(List<string> parts, int count, bool create)
    {
        if (count == 0) return Root.Value;
        string key = EntryPath.Join(parts, count);
        if (_cache.TryGetValue(key, out SafeFd? cached)) return cached.Value;

        int fd = -1;
        if (_openat2)
        {
            fd = Libc.OpenAt2(Root.Value, key, (ulong)(Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC), 0,
                Libc.RESOLVE_IN_ROOT | Libc.RESOLVE_NO_MAGICLINKS);
            if (fd < 0)
            {
                int errno = Check.LastErrno;
                switch (errno)
                {
                    case ENOTDIR when !create:
                        return -1;
                    case ENOENT or ENOTDIR or EAGAIN or EXDEV or ENOSYS:
                        break; // the walk creates what is missing, or says precisely what is wrong
                    case ELOOP:
                        throw new LayerRefusal($"too many levels of symbolic links resolving \"{key}\"");
                    default:
                        throw new ErrnoException("openat2", errno, key);
                }
            }
        }
        if (fd < 0)
        {
            fd = Walk(parts, count, create);
            if (fd < 0) return -1;
        }
        if (_cache.Count >= CacheLimit) Invalidate();
        _cache[key] = new SafeFd(fd, ownsHandle: true);
        return fd;
    }

    /// <summary>Forgets every cached directory: call after anything in the tree was removed or replaced.</summary>
    public void Invalidate()
    {
        // The fds may still be in use by the entry being applied; close them when it is done.
        _retired.AddRange(_cache.Values);
        _cache.Clear();
    }

    public void EndEntry()
    {
        foreach (SafeFd fd in _retired) fd.Dispose();
        _retired.Clear();
    }

    private int Walk(List<string> parts, int count, bool create)
    {
        var stack = new List<SafeFd>(); // the physical path walked so far, below the root
        var pending = new Stack<string>();
        for (int i = count - 1; i >= 0; i--) pending.Push(parts[i]);
        int links = 0;
        try
        {
            while (pending.Count > 0)
            {
                string c = pending.Pop();
                if (c.Length == 0 || c == ".") continue;
                int cur = stack.Count > 0 ? stack[^1].Value : Root.Value;
                if (c == "..")
                {
                    if (stack.Count > 0)
                    {
                        stack[^1].Dispose();
                        stack.RemoveAt(stack.Count - 1);
                    }
                    continue; // ".." at the root stays at the root
                }
                int fd = Libc.OpenAt(cur, c, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC);
                if (fd < 0)
                {
                    int errno = Check.LastErrno;
                    if (errno != ENOENT) throw new ErrnoException("openat", errno, c);
                    if (pending.TryPeek(out string? next) && next == "..")
                    {
                        // "missing/.." is taken lexically, as containerd's fs.RootPath and SecureJoin do,
                        // rather than failing (the kernel) or creating "missing" only to leave it.
                        pending.Pop();
                        continue;
                    }
                    if (!create) return -1;
                    if (Libc.MkdirAt(cur, c, 0b111_101_101) < 0)
                    {
                        errno = Check.LastErrno;
                        if (errno != EEXIST) throw new ErrnoException("mkdirat", errno, c);
                    }
                    else
                    {
                        _onImplicitDir(cur, c);
                    }
                    fd = Libc.OpenAt(cur, c, Libc.O_PATH | Libc.O_NOFOLLOW | Libc.O_CLOEXEC);
                    if (fd < 0) Check.ThrowLastError("openat", c);
                }
                var sfd = new SafeFd(fd, ownsHandle: true);
                if (Libc.StatxAt(fd, "", Libc.AT_EMPTY_PATH | Libc.AT_SYMLINK_NOFOLLOW, out Libc.Statx st) < 0)
                {
                    int errno = Check.LastErrno;
                    sfd.Dispose();
                    throw new ErrnoException("statx", errno, c);
                }
                if (st.IsDirectory)
                {
                    stack.Add(sfd);
                    continue;
                }
                if (st.IsSymlink)
                {
                    if (++links > MaxSymlinks)
                    {
                        sfd.Dispose();
                        throw new LayerRefusal($"too many levels of symbolic links resolving \"{EntryPath.Join(parts, count)}\"");
                    }
                    int rc = Libc.ReadLinkAt(fd, "", out string target);
                    int rerr = Check.LastErrno;
                    sfd.Dispose();
                    if (rc < 0) throw new ErrnoException("readlinkat", rerr, c);
                    if (target.StartsWith('/'))
                    {
                        foreach (SafeFd s in stack) s.Dispose();
                        stack.Clear(); // absolute targets are relative to the root
                    }
                    string[] tparts = target.Split('/');
                    for (int i = tparts.Length - 1; i >= 0; i--) pending.Push(tparts[i]);
                    continue;
                }
                sfd.Dispose();
                if (!create) return -1;
                throw new LayerRefusal($"parent \"{c}\" is not a directory");
            }
            if (stack.Count == 0)
            {
                // Resolved to the root itself (e.g. through "x -> /"): hand out a second fd of it.
                int fd = Libc.OpenAt(Root.Value, ".", Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC);
                if (fd < 0) Check.ThrowLastError("openat", ".");
                return fd;
            }
            SafeFd result = stack[^1];
            stack.RemoveAt(stack.Count - 1);
            int value = result.Value;
            result.SetHandleAsInvalid(); // ownership moves to the caller's SafeFd
            return value;
        }
        finally
        {
            foreach (SafeFd s in stack) s.Dispose();
        }
    }

    public void Dispose()
    {
        Invalidate();
        EndEntry();
    }
}

/// <summary>An entry the applier will not write; becomes BerthException(InvalidArgument, "layer: NAME: REASON").</summary>
internal sealed class LayerRefusal(string reason) : Exception(reason);
