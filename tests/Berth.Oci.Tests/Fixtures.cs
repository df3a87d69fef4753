namespace Berth.Oci.Tests;

/// <summary>Documents shaped like the ones containerd, podman and runc produce.</summary>
internal static class Fixtures
{
    public const string FullConfig = """
    {
      "ociVersion": "1.2.0",
      "process": {
        "terminal": true,
        "consoleSize": { "height": 25, "width": 80 },
        "user": { "uid": 1000, "gid": 1000, "umask": 18, "additionalGids": [ 5, 6 ] },
        "args": [ "/bin/sh", "-c", "echo hi" ],
        "env": [ "PATH=/usr/bin:/bin", "TERM=xterm" ],
        "cwd": "/srv",
        "capabilities": {
          "bounding": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
          "effective": [ "CAP_AUDIT_WRITE", "CAP_KILL" ],
          "inheritable": [],
          "permitted": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
          "ambient": [ "CAP_KILL" ]
        },
        "rlimits": [
          { "type": "RLIMIT_NOFILE", "hard": 18446744073709551615, "soft": 1024 },
          { "type": "RLIMIT_CORE", "hard": 0, "soft": 0 }
        ],
        "noNewPrivileges": true,
        "apparmorProfile": "acme_secure_profile",
        "oomScoreAdj": -500,
        "selinuxLabel": "system_u:system_r:svirt_lxc_net_t:s0:c124,c675",
        "ioPriority": { "class": "IOPRIO_CLASS_BE", "priority": 4 },
        "scheduler": { "policy": "SCHED_DEADLINE", "flags": [ "SCHED_FLAG_RESET_ON_FORK" ], "runtime": 10000000, "deadline": 20000000, "period": 30000000 },
        "execCPUAffinity": { "initial": "7", "final": "0-3,7" }
      },
      "root": { "path": "rootfs", "readonly": true },
      "hostname": "web-1",
      "domainname": "example.org",
      "mounts": [
        { "destination": "/proc", "type": "proc", "source": "proc" },
        { "destination": "/data", "type": "bind", "source": "/srv/data", "options": [ "rbind", "rw" ],
          "uidMappings": [ { "containerID": 0, "hostID": 100000, "size": 65536 } ],
          "gidMappings": [ { "containerID": 0, "hostID": 200000, "size": 65536 } ] }
      ],
      "hooks": {
        "prestart": [ { "path": "/usr/bin/fix-mounts", "args": [ "fix-mounts", "arg1" ], "env": [ "key1=value1" ] } ],
        "createRuntime": [ { "path": "/usr/bin/netns-setup", "timeout": 5 } ],
        "createContainer": [ { "path": "/usr/bin/mount-hook" } ],
        "startContainer": [ { "path": "/usr/bin/refresh-ldcache" } ],
        "poststart": [ { "path": "/usr/bin/notify-start", "timeout": 5 } ],
        "poststop": [ { "path": "/usr/sbin/cleanup.sh", "args": [ "cleanup.sh", "-f" ] } ]
      },
      "annotations": { "com.example.key1": "value1", "org.opencontainers.image.ref.name": "latest" },
      "linux": {
        "uidMappings": [ { "containerID": 0, "hostID": 100000, "size": 65536 } ],
        "gidMappings": [ { "containerID": 0, "hostID": 200000, "size": 65536 } ],
        "sysctl": { "net.ipv4.ip_forward": "1", "kernel.shmmax": "4294967295", "fs.mqueue.msg_max": "100" },
        "resources": {
          "devices": [
            { "allow": false, "access": "rwm" },
            { "allow": true, "type": "c", "major": 10, "minor": 229, "access": "rw" }
          ],
          "memory": { "limit": 536870912, "reservation": 268435456, "swap": 1073741824, "kernel": -1, "kernelTCP": -1,
                      "swappiness": 0, "disableOOMKiller": false, "useHierarchy": true, "checkBeforeUpdate": true },
          "cpu": { "shares": 1024, "quota": 50000, "burst": 10000, "period": 100000, "realtimeRuntime": 950000,
                   "realtimePeriod": 1000000, "cpus": "2-3", "mems": "0-7", "idle": 0 },
          "pids": { "limit": 32771 },
          "blockIO": {
            "weight": 10, "leafWeight": 10,
            "weightDevice": [ { "major": 8, "minor": 0, "weight": 500, "leafWeight": 300 }, { "major": 8, "minor": 16, "weight": 500 } ],
            "throttleReadBpsDevice": [ { "major": 8, "minor": 0, "rate": 600 } ],
            "throttleWriteBpsDevice": [ { "major": 8, "minor": 16, "rate": 300 } ],
            "throttleReadIOPSDevice": [ { "major": 8, "minor": 0, "rate": 6000 } ],
            "throttleWriteIOPSDevice": [ { "major": 8, "minor": 16, "rate": 3000 } ]
          },
          "hugepageLimits": [ { "pageSize": "2MB", "limit": 9223372036854772000 }, { "pageSize": "64KB", "limit": 1000000 } ],
          "network": { "classID": 1048577, "priorities": [ { "name": "eth0", "priority": 500 } ] },
          "rdma": { "mlx5_1": { "hcaHandles": 3, "hcaObjects": 10000 } },
          "unified": { "io.max": "8:0 rbps=1048576", "memory.high": "max" }
        },
        "cgroupsPath": "/myRuntime/myContainer",
        "namespaces": [
          { "type": "pid" }, { "type": "network", "path": "/var/run/netns/web" }, { "type": "ipc" },
          { "type": "uts" }, { "type": "mount" }, { "type": "user" }, { "type": "cgroup" }, { "type": "time" }
        ],
        "devices": [
          { "path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438, "uid": 0, "gid": 0 },
          { "path": "/dev/sda", "type": "b", "major": 8, "minor": 0 }
        ],
        "seccomp": {
          "defaultAction": "SCMP_ACT_ERRNO",
          "defaultErrnoRet": 1,
          "architectures": [ "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32" ],
          "flags": [ "SECCOMP_FILTER_FLAG_LOG" ],
          "listenerPath": "/run/seccomp-agent.sock",
          "listenerMetadata": "meta",
          "syscalls": [
            { "names": [ "getcwd", "chmod" ], "action": "SCMP_ACT_ALLOW" },
            { "names": [ "personality" ], "action": "SCMP_ACT_ERRNO", "errnoRet": 38,
              "args": [ { "index": 0, "value": 8, "op": "SCMP_CMP_EQ" }, { "index": 1, "value": 255, "valueTwo": 4, "op": "SCMP_CMP_MASKED_EQ" } ] }
          ]
        },
        "rootfsPropagation": "rslave",
        "maskedPaths": [ "/proc/kcore", "/proc/keys" ],
        "readonlyPaths": [ "/proc/sys", "/proc/sysrq-trigger" ],
        "mountLabel": "system_u:object_r:svirt_sandbox_file_t:s0:c715,c811",
        "intelRdt": { "closID": "guaranteed_group", "l3CacheSchema": "L3:0=7f0;1=1f", "memBwSchema": "MB:0=20;1=70", "enableMonitoring": true },
        "personality": { "domain": "LINUX32" },
        "timeOffsets": { "monotonic": { "secs": 3600, "nanosecs": 5 } }
      },
      "windows": { "layerFolders": [ "C:\\layers" ] },
      "someFutureField": { "nested": [ 1, 2, 3 ] }
    }
    """;
}
