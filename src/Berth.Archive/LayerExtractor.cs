using System.Buffers;
using System.Buffers.Binary;
using System.Formats.Tar;
using System.Text;
using Berth.Core;
using Berth.Interop;
using Microsoft.Win32.SafeHandles;

namespace Berth.Archive;

/// <summary>
/// Writes tar entries into a root directory, one at a time, through <see cref="RootFs"/>. Owns the state
/// of one layer: which inodes this layer wrote (whiteouts spare them; hardlinks may only point at them)
/// and the directory modes and mtimes that are set last.
/// </summary>
internal sealed class LayerExtractor : IDisposable
{
    private const int MaxPathBytes = 4096;      // PATH_MAX
    private const int MaxLinkTargetBytes = 4095;
    private const int MaxRemoveDepth = 4096;
    private const int ENOENT = 2, EEXIST = 17, EPERM = 1, EACCES = 13, ENOSPC = 28, EDQUOT = 122, ENOTEMPTY = 39,
        ENOTSUP = 95, ENAMETOOLONG = 36, ELOOP = 40, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, EMLINK = 31, E2BIG = 7;

    private readonly LayerApplyOptions _options;
    private readonly RootFs _fs;
    private readonly DigestingStream _budget;
    private readonly HashSet<InodeKey> _layerInodes = [];
    private readonly Dictionary<string, DirFixup> _dirFixups = new(StringComparer.Ordinal);
    private readonly string _opaqueXattr;
    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(256 * 1024);
    private string _entryName = "";

    public int SkippedDeviceNodes { get; private set; }
    public int SkippedXattrs { get; private set; }

    private readonly record struct InodeKey(ulong Dev, ulong Ino)
    {
        public static InodeKey Of(in Libc.Statx st) => new(((ulong)st.DevMajor << 32) | st.DevMinor, st.Ino);
    }

    private readonly record struct DirFixup(InodeKey Inode, int Mode, Libc.Timespec Mtime, int Depth);

    public LayerExtractor(SafeFd root, LayerApplyOptions options, DigestingStream budget)
    {
        _options = options;
        _budget = budget;
        _fs = new RootFs(root, !options.DisableOpenat2, OnImplicitDir);
        _opaqueXattr = options.OverlayUserXattrs ? "user.overlay.opaque" : "trusted.overlay.opaque";
    }

    /// <summary>Applies one entry. Every failure leaves as a BerthException naming the entry.</summary>
    public void Apply(TarEntry entry, PaxRecords? pax)
    {
        _entryName = entry.Name;
        try
        {
            ApplyCore(entry, pax);
        }
        catch (LayerRefusal r)
        {
            throw new BerthException(ErrorKind.InvalidArgument, $"layer: {_entryName}: {r.Message}");
        }
        catch (ErrnoException e)
        {
            throw FromErrno(e);
        }
        finally
        {
            _fs.EndEntry();
        }
    }

    /// <summary>Sets directory modes and mtimes, deepest first, now that nothing more is written inside them.</summary>
    public void Finish()
    {
        foreach ((string path, DirFixup fix) in _dirFixups.OrderByDescending(kv => kv.Value.Depth))
        {
            _entryName = path.Length == 0 ? "." : path;
            try
            {
                FixDirectory(path, fix);
            }
            catch (LayerRefusal)
            {
                // The directory was replaced later in the layer (e.g. by a symlink loop); nothing to fix.
            }
            catch (ErrnoException e)
            {
                throw FromErrno(e);
            }
            finally
            {
                _fs.EndEntry();
            }
        }
    }

    private void FixDirectory(string path, DirFixup fix)
    {
        List<string> parts = EntryPath.Clean(path);
        int fd;
        if (parts.Count == 0)
        {
            fd = Libc.OpenAt(_fs.Root.Value, ".", Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC);
        }
        else
        {
            int parent = _fs.ResolveDir(parts, parts.Count - 1, create: false);
            if (parent < 0) return;
            fd = Libc.OpenAt(parent, parts[^1], Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC);
        }
        if (fd < 0) return; // replaced by a non-directory or removed later in the layer
        using var dir = new SafeFd(fd, ownsHandle: true);
        if (Libc.StatxAt(fd, "", Libc.AT_EMPTY_PATH, out Libc.Statx st) < 0) Check.ThrowLastError("statx", path);
        if (InodeKey.Of(st) != fix.Inode) return; // a different directory now lives at this path
        Check.Io(Libc.FchmodFd(fd, fix.Mode), "fchmod", path);
        Check.Io(Libc.Futimens(fd, fix.Mtime, fix.Mtime), "futimens", path);
    }

    private void ApplyCore(TarEntry entry, PaxRecords? pax)
    {
        TarEntryType type = entry.EntryType;
        if (type == TarEntryType.GlobalExtendedAttributes) return; // pax 'g': nothing for a layer
        string name = entry.Name;
        ValidatePath(name, "name");
        if (pax?.Sparse == true) throw new LayerRefusal("GNU sparse files are not supported");
        if (type == TarEntryType.V7RegularFile && name.EndsWith('/')) type = TarEntryType.Directory;

        List<string> parts = EntryPath.Clean(name);
        if (parts.Count == 0)
        {
            // CVE-2021-29136 (umoci): an entry for the root may only be a directory, and only its metadata applies.
            if (type != TarEntryType.Directory) throw new LayerRefusal("refusing to change the type of the root directory");
            ApplyRootMetadata(entry, pax);
            return;
        }
        // AUFS metadata at the top (".wh..wh.plnk/...", ".wh..wh.aufs"): skipped, as Docker does.
        if (parts[0].StartsWith(".wh..wh.", StringComparison.Ordinal) && parts[0] != ".wh..wh..opq") return;
        string leaf = parts[^1];
        if (leaf.StartsWith(".wh.", StringComparison.Ordinal))
        {
            Whiteout(parts, leaf);
            return;
        }

        switch (type)
        {
            case TarEntryType.Directory:
                CreateDirectory(parts, entry, pax);
                break;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                CreateFile(parts, entry, pax);
                break;
            case TarEntryType.SymbolicLink:
                CreateSymlink(parts, entry, pax);
                break;
            case TarEntryType.HardLink:
                CreateHardlink(parts, entry);
                break;
            case TarEntryType.CharacterDevice or TarEntryType.BlockDevice:
                CreateDevice(parts, entry, pax);
                break;
            case TarEntryType.Fifo:
                CreateNode(parts, entry, pax, Libc.S_IFIFO, 0);
                break;
            default:
                throw new LayerRefusal($"unsupported tar entry type {type}");
        }
    }

    // ---- whiteouts ----------------------------------------------------------------------------------

    private void Whiteout(List<string> parts, string leaf)
    {
        if (leaf == ".wh..wh..opq")
        {
            Opaque(parts);
            return;
        }
        if (leaf.StartsWith(".wh..wh.", StringComparison.Ordinal)) return; // AUFS metadata (.wh..wh.plnk etc.): skipped, as Docker does
        string target = leaf[".wh.".Length..];
        // ".wh." + "", "." or ".." would delete the directory itself, its parent, or the root.
        if (target is "" or "." or "..") throw new LayerRefusal("invalid whiteout: it names no entry of its directory");

        if (_options.Whiteouts == WhiteoutMode.Overlay)
        {
            int dir = _fs.ResolveDir(parts, parts.Count - 1, create: true);
            if (Libc.StatxAt(dir, target, Libc.AT_SYMLINK_NOFOLLOW, out Libc.Statx st) == 0)
            {
                if (_layerInodes.Contains(InodeKey.Of(st)))
                {
                    // Whiteouts hide lower layers only. A directory this layer wrote must still hide the
                    // lower one of the same name, which overlayfs expresses as an opaque directory.
                    if (st.IsDirectory) SetOpaque(dir, target);
                    return;
                }
                RemoveTree(dir, target, keepLayer: false, depth: 0);
            }
            else if (Check.LastErrno != ENOENT)
            {
                Check.ThrowLastError("statx", target);
            }
            Check.Io(Libc.MknodAt(dir, target, Libc.S_IFCHR, 0), "mknodat (whiteout)", target);
            ChownAt(dir, target, 0, 0);
            Record(dir, target);
        }
        else
        {
            int dir = _fs.ResolveDir(parts, parts.Count - 1, create: false);
            if (dir < 0) return; // its directory does not exist: nothing to hide
            RemoveTree(dir, target, keepLayer: true, depth: 0);
        }
    }

    private void Opaque(List<string> parts)
    {
        if (_options.Whiteouts == WhiteoutMode.Overlay)
        {
            int dir = _fs.ResolveDir(parts, parts.Count - 1, create: true);
            SetOpaque(dir, ".");
            Record(dir, "");
        }
        else
        {
            int dir = _fs.ResolveDir(parts, parts.Count - 1, create: false);
            if (dir < 0) return;
            int fd = Libc.OpenAt(dir, ".", Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC);
            if (fd < 0) Check.ThrowLastError("openat", ".");
            using var d = new SafeFd(fd, ownsHandle: true);
            // Applied whatever the entry order: everything not written by this layer goes.
            foreach (string child in ListDirectory(fd)) RemoveTree(fd, child, keepLayer: true, depth: 1);
        }
    }

    private void SetOpaque(int dirfd, string name)
    {
        int fd = Libc.OpenAt(dirfd, name, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC);
        if (fd < 0) Check.ThrowLastError("openat", name);
        using var d = new SafeFd(fd, ownsHandle: true);
        Check.Io(Libc.Fsetxattr(fd, _opaqueXattr, "y"u8), "fsetxattr " + _opaqueXattr, name);
    }

    /// <summary>
    /// Removes <paramref name="name"/> in <paramref name="dirfd"/>, never following symlinks. With
    /// <paramref name="keepLayer"/>, what this layer wrote survives (and so do the directories holding it).
    /// </summary>
    private void RemoveTree(int dirfd, string name, bool keepLayer, int depth)
    {
        if (Libc.StatxAt(dirfd, name, Libc.AT_SYMLINK_NOFOLLOW, out Libc.Statx st) < 0)
        {
            if (Check.LastErrno == ENOENT) return;
            Check.ThrowLastError("statx", name);
        }
        bool ours = keepLayer && _layerInodes.Contains(InodeKey.Of(st));
        if (!st.IsDirectory)
        {
            if (ours) return;
            Check.Io(Libc.UnlinkAt(dirfd, name, 0), "unlinkat", name);
            _fs.Invalidate();
            return;
        }
        if (depth > MaxRemoveDepth) throw new LayerRefusal("directory tree too deep to remove");
        int fd = Libc.OpenAt(dirfd, name, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC);
        if (fd < 0) Check.ThrowLastError("openat", name);
        using (var d = new SafeFd(fd, ownsHandle: true))
        {
            foreach (string child in ListDirectory(fd)) RemoveTree(fd, child, keepLayer, depth + 1);
        }
        if (ours) return;
        if (Libc.UnlinkAt(dirfd, name, Libc.AT_REMOVEDIR) < 0)
        {
            if (keepLayer && Check.LastErrno == ENOTEMPTY) return; // it still holds this layer's entries
            Check.ThrowLastError("unlinkat", name);
        }
        _fs.Invalidate();
    }

    private List<string> ListDirectory(int fd)
    {
        var names = new List<string>();
        Span<byte> buf = _buffer.AsSpan(0, 32 * 1024);
        while (true)
        {
            int n = Libc.GetDents64(fd, buf);
            if (n < 0) Check.ThrowLastError("getdents64");
            if (n == 0) return names;
            ReadOnlySpan<byte> rest = buf[..n];
            while (rest.Length >= 19)
            {
                // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
                int reclen = BinaryPrimitives.ReadUInt16LittleEndian(rest[16..]);
                if (reclen < 19 || reclen > rest.Length) throw new InvalidDataException("malformed getdents64 record");
                ReadOnlySpan<byte> nameBytes = rest[19..reclen];
                int nul = nameBytes.IndexOf((byte)0);
                if (nul >= 0) nameBytes = nameBytes[..nul];
                if (!nameBytes.SequenceEqual("."u8) && !nameBytes.SequenceEqual(".."u8))
                    names.Add(Encoding.UTF8.GetString(nameBytes));
                rest = rest[reclen..];
            }
        }
    }

    // ---- entries ------------------------------------------------------------------------------------

    private void ApplyRootMetadata(TarEntry entry, PaxRecords? pax)
    {
        int root = _fs.Root.Value;
        if (Owner(entry) is (int uid, int gid))
            Check.Io(Libc.FchownAt(root, "", uid, gid, Libc.AT_EMPTY_PATH | Libc.AT_SYMLINK_NOFOLLOW), "fchownat", ".");
        if (pax is { Xattrs.Count: > 0 })
        {
            int fd = Libc.OpenAt(root, ".", Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC);
            if (fd < 0) Check.ThrowLastError("openat", ".");
            using var d = new SafeFd(fd, ownsHandle: true);
            ApplyXattrs(pax, (n, v) => Libc.Fsetxattr(fd, n, v));
        }
        if (Libc.StatxAt(root, "", Libc.AT_EMPTY_PATH, out Libc.Statx st) < 0) Check.ThrowLastError("statx", ".");
        _dirFixups[""] = new DirFixup(InodeKey.Of(st), Mode(entry), Time(entry, pax), 0);
    }

    private void CreateDirectory(List<string> parts, TarEntry entry, PaxRecords? pax)
    {
        string leaf = parts[^1];
        int parent = _fs.ResolveDir(parts, parts.Count - 1, create: true);
        bool overWhiteout = false;
        // 0700 until the end of the layer, when the entry's mode is set: a read-only directory must
        // still take the entries that follow it (and a caller who is not root must be able to write them).
        if (Libc.MkdirAt(parent, leaf, 0b111_000_000) < 0)
        {
            if (Check.LastErrno != EEXIST) Check.ThrowLastError("mkdirat", leaf);
            if (Libc.StatxAt(parent, leaf, Libc.AT_SYMLINK_NOFOLLOW, out Libc.Statx existing) < 0) Check.ThrowLastError("statx", leaf);
            if (!existing.IsDirectory)
            {
                // A directory replaces anything but a directory (Docker); directories merge.
                overWhiteout = _options.Whiteouts == WhiteoutMode.Overlay && IsWhiteoutDevice(existing)
                    && _layerInodes.Contains(InodeKey.Of(existing));
                RemoveTree(parent, leaf, keepLayer: false, depth: 0);
                Check.Io(Libc.MkdirAt(parent, leaf, 0b111_000_000), "mkdirat", leaf);
            }
        }
        if (Owner(entry) is (int uid, int gid)) ChownAt(parent, leaf, uid, gid);
        if (pax is { Xattrs.Count: > 0 } || overWhiteout)
        {
            int fd = Libc.OpenAt(parent, leaf, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC);
            if (fd < 0) Check.ThrowLastError("openat", leaf);
            using var d = new SafeFd(fd, ownsHandle: true);
            if (pax is not null) ApplyXattrs(pax, (n, v) => Libc.Fsetxattr(fd, n, v));
            // The layer said ".wh.NAME" and then "NAME/": the new directory must not show the lower one's content.
            if (overWhiteout) Check.Io(Libc.Fsetxattr(fd, _opaqueXattr, "y"u8), "fsetxattr " + _opaqueXattr, leaf);
        }
        InodeKey key = Record(parent, leaf);
        _dirFixups[EntryPath.Join(parts, parts.Count)] = new DirFixup(key, Mode(entry), Time(entry, pax), parts.Count);
    }

    private void CreateFile(List<string> parts, TarEntry entry, PaxRecords? pax)
    {
        if (entry.Length > _budget.Remaining)
            throw new BerthException(ErrorKind.InvalidArgument,
                $"layer: {_entryName}: {entry.Length} bytes exceed what is left of the uncompressed size limit ({_options.MaxUncompressedBytes} bytes)");
        string leaf = parts[^1];
        int parent = _fs.ResolveDir(parts, parts.Count - 1, create: true);
        const int flags = Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOFOLLOW | Libc.O_CLOEXEC;
        int fd = Libc.OpenAt(parent, leaf, flags, 0b110_000_000);
        if (fd < 0)
        {
            if (Check.LastErrno != EEXIST) Check.ThrowLastError("openat", leaf);
            RemoveTree(parent, leaf, keepLayer: false, depth: 0);
            fd = Libc.OpenAt(parent, leaf, flags, 0b110_000_000);
            if (fd < 0) Check.ThrowLastError("openat", leaf);
        }
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (entry.DataStream is Stream data)
        {
            byte[] buffer = _buffer!;
            long offset = 0;
            int n;
            while ((n = data.Read(buffer, 0, buffer.Length)) > 0)
            {
                RandomAccess.Write(handle, buffer.AsSpan(0, n), offset);
                offset += n;
            }
        }
        // chown clears setuid/setgid and file capabilities, so: owner, then mode, then xattrs, then times.
        if (Owner(entry) is (int uid, int gid)) Check.Io(Libc.Fchown(fd, uid, gid), "fchown", leaf);
        Check.Io(Libc.FchmodFd(fd, Mode(entry)), "fchmod", leaf);
        if (pax is not null) ApplyXattrs(pax, (n, v) => Libc.Fsetxattr(fd, n, v));
        Libc.Timespec t = Time(entry, pax);
        Check.Io(Libc.Futimens(fd, t, t), "futimens", leaf);
        if (Libc.StatxAt(fd, "", Libc.AT_EMPTY_PATH, out Libc.Statx st) < 0) Check.ThrowLastError("statx", leaf);
        _layerInodes.Add(InodeKey.Of(st));
    }

    private void CreateSymlink(List<string> parts, TarEntry entry, PaxRecords? pax)
    {
        string target = entry.LinkName;
        if (target.Length == 0) throw new LayerRefusal("symlink with an empty target");
        ValidatePath(target, "symlink target", MaxLinkTargetBytes);
        string leaf = parts[^1];
        int parent = _fs.ResolveDir(parts, parts.Count - 1, create: true);
        // Created verbatim: absolute and "../" targets are normal in images and harmless here, because
        // nothing in this applier ever follows a symlink except through RootFs, inside the root.
        if (Libc.SymlinkAt(target, parent, leaf) < 0)
        {
            if (Check.LastErrno != EEXIST) Check.ThrowLastError("symlinkat", leaf);
            RemoveTree(parent, leaf, keepLayer: false, depth: 0);
            Check.Io(Libc.SymlinkAt(target, parent, leaf), "symlinkat", leaf);
        }
        FinishNode(parent, leaf, entry, pax, chmod: false); // there is no lchmod; chmod would follow the link
    }

    private void CreateHardlink(List<string> parts, TarEntry entry)
    {
        string linkName = entry.LinkName;
        ValidatePath(linkName, "hardlink target");
        List<string> tparts = EntryPath.Clean(linkName);
        if (tparts.Count == 0) throw new LayerRefusal("hardlink to the root directory");
        // The target is named like any entry: inside the root, parents resolved with chroot semantics,
        // the last component not followed (a link to a symlink is a second name for the symlink).
        int tparent = _fs.ResolveDir(tparts, tparts.Count - 1, create: false);
        string tleaf = tparts[^1];
        if (tparent < 0 || Libc.StatxAt(tparent, tleaf, Libc.AT_SYMLINK_NOFOLLOW, out Libc.Statx tst) < 0)
            throw new LayerRefusal($"hardlink target \"{linkName}\" does not exist");
        if (tst.IsDirectory) throw new LayerRefusal($"hardlink target \"{linkName}\" is a directory");
        // Hardlinks stay within the layer: in a per-layer overlay directory nothing else exists, and on a
        // merged tree a link into a lower layer (or to anything that was there before) is refused the same way.
        InodeKey target = InodeKey.Of(tst);
        if (!_layerInodes.Contains(target))
            throw new LayerRefusal($"hardlink target \"{linkName}\" was not written by this layer");

        string leaf = parts[^1];
        int parent = _fs.ResolveDir(parts, parts.Count - 1, create: true);
        if (Libc.LinkAt(tparent, tleaf, parent, leaf, 0) < 0)
        {
            if (Check.LastErrno != EEXIST) Check.ThrowLastError("linkat", leaf);
            if (Libc.StatxAt(parent, leaf, Libc.AT_SYMLINK_NOFOLLOW, out Libc.Statx existing) == 0 && InodeKey.Of(existing) == target)
                return; // already that inode
            RemoveTree(parent, leaf, keepLayer: false, depth: 0);
            Check.Io(Libc.LinkAt(tparent, tleaf, parent, leaf, 0), "linkat", leaf);
        }
        // No metadata: the inode already has its own entry's owner, mode and times (CVE-2021-32760 chmodded through here).
    }

    private void CreateDevice(List<string> parts, TarEntry entry, PaxRecords? pax)
    {
        switch (_options.DeviceNodes)
        {
            case DeviceNodePolicy.Skip:
                SkippedDeviceNodes++;
                return;
            case DeviceNodePolicy.Refuse:
                throw new LayerRefusal("device nodes are not allowed in this layer");
        }
        if (entry is not PosixTarEntry posix) throw new LayerRefusal("device entry without device numbers");
        if (posix.DeviceMajor < 0 || posix.DeviceMinor < 0) throw new LayerRefusal("invalid device number");
        int type = entry.EntryType == TarEntryType.CharacterDevice ? Libc.S_IFCHR : Libc.S_IFBLK;
        CreateNode(parts, entry, pax, type, Libc.MakeDev((uint)posix.DeviceMajor, (uint)posix.DeviceMinor));
    }

    private void CreateNode(List<string> parts, TarEntry entry, PaxRecords? pax, int type, ulong dev)
    {
        string leaf = parts[^1];
        int parent = _fs.ResolveDir(parts, parts.Count - 1, create: true);
        int rc = Libc.MknodAt(parent, leaf, type | 0b110_000_000, dev);
        if (rc < 0 && Check.LastErrno == EEXIST)
        {
            RemoveTree(parent, leaf, keepLayer: false, depth: 0);
            rc = Libc.MknodAt(parent, leaf, type | 0b110_000_000, dev);
        }
        if (rc < 0)
        {
            int errno = Check.LastErrno;
            if (errno == EPERM && type != Libc.S_IFIFO)
                throw new BerthException(ErrorKind.PermissionDenied,
                    $"layer: {_entryName}: creating device nodes is not permitted here (no CAP_MKNOD, or a user namespace); DeviceNodePolicy.Skip leaves them out");
            throw new ErrnoException("mknodat", errno, leaf);
        }
        FinishNode(parent, leaf, entry, pax, chmod: true);
    }

    /// <summary>Owner, mode, xattrs and times of a symlink or special file, all without following it.</summary>
    private void FinishNode(int parent, string leaf, TarEntry entry, PaxRecords? pax, bool chmod)
    {
        if (Owner(entry) is (int uid, int gid)) ChownAt(parent, leaf, uid, gid);
        // The node was just made by mknodat in a directory only we write to: it is not a symlink.
        if (chmod) Check.Io(Libc.FchmodAt(parent, leaf, Mode(entry), 0), "fchmodat", leaf);
        if (pax is { Xattrs.Count: > 0 })
        {
            // l*xattr on "/proc/self/fd/PARENT/LEAF": the directory by fd, the leaf itself not followed.
            string path = $"/proc/self/fd/{parent}/{leaf}";
            ApplyXattrs(pax, (n, v) => Libc.Lsetxattr(path, n, v));
        }
        Libc.Timespec t = Time(entry, pax);
        Check.Io(Libc.UtimensAt(parent, leaf, t, t, Libc.AT_SYMLINK_NOFOLLOW), "utimensat", leaf);
        Record(parent, leaf);
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private void OnImplicitDir(int parent, string name)
    {
        // A parent the layer never listed: 0755 and root-owned, as Docker makes them.
        Check.Io(Libc.FchmodAt(parent, name, 0b111_101_101, 0), "fchmodat", name);
        if (_options.PreserveOwners) ChownAt(parent, name, MapId(0, _options.UidMappings, "uid"), MapId(0, _options.GidMappings, "gid"));
        Record(parent, name);
    }

    private InodeKey Record(int parent, string leaf)
    {
        int flags = Libc.AT_SYMLINK_NOFOLLOW | (leaf.Length == 0 ? Libc.AT_EMPTY_PATH : 0);
        if (Libc.StatxAt(parent, leaf, flags, out Libc.Statx st) < 0) Check.ThrowLastError("statx", leaf);
        InodeKey key = InodeKey.Of(st);
        _layerInodes.Add(key);
        return key;
    }

    private void ChownAt(int parent, string leaf, int uid, int gid) =>
        Check.Io(Libc.FchownAt(parent, leaf, uid, gid, Libc.AT_SYMLINK_NOFOLLOW), "fchownat", leaf);

    private (int Uid, int Gid)? Owner(TarEntry entry)
    {
        if (!_options.PreserveOwners) return null;
        if (entry.Uid < 0 || entry.Gid < 0) throw new LayerRefusal("negative uid or gid");
        return (MapId(entry.Uid, _options.UidMappings, "uid"), MapId(entry.Gid, _options.GidMappings, "gid"));
    }

    private static int MapId(int id, IReadOnlyList<IdMapping>? map, string what)
    {
        if (map is null) return id;
        foreach (IdMapping m in map)
        {
            if ((uint)id >= m.ContainerId && (ulong)(uint)id < (ulong)m.ContainerId + m.Size)
                return (int)(m.HostId + ((uint)id - m.ContainerId));
        }
        throw new LayerRefusal($"{what} {id} is not in the id mapping");
    }

    private static int Mode(TarEntry entry) => (int)entry.Mode & 0xfff; // permissions, setuid, setgid, sticky

    private static Libc.Timespec Time(TarEntry entry, PaxRecords? pax) => pax?.Mtime ?? Time(entry.ModificationTime);

    private static Libc.Timespec Time(DateTimeOffset t)
    {
        if (t == default) return default; // an all-NUL mtime field: the epoch
        long ticks = t.UtcTicks - DateTime.UnixEpoch.Ticks;
        long sec = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rem);
        if (rem < 0)
        {
            sec--;
            rem += TimeSpan.TicksPerSecond;
        }
        return new Libc.Timespec { Sec = sec, Nsec = rem * 100 };
    }

    private static bool IsWhiteoutDevice(in Libc.Statx st) =>
        st.FileType == Libc.S_IFCHR && st.RdevMajor == 0 && st.RdevMinor == 0;

    private void ApplyXattrs(PaxRecords pax, Func<string, byte[], int> set)
    {
        foreach ((string name, byte[] value) in pax.Xattrs)
        {
            if (name.Length == 0 || name.Contains('\0')) throw new LayerRefusal("invalid xattr name");
            if (value.Length > Libc.XATTR_SIZE_MAX) throw new LayerRefusal($"xattr {name} is larger than {Libc.XATTR_SIZE_MAX} bytes");
            if (name.StartsWith("trusted.overlay.", StringComparison.Ordinal) || name.StartsWith("user.overlay.", StringComparison.Ordinal)
                || (!_options.ApplyTrustedXattrs && name.StartsWith("trusted.", StringComparison.Ordinal)))
            {
                SkippedXattrs++; // overlayfs' own attributes are ours to write, never an archive's
                continue;
            }
            if (set(name, value) < 0)
            {
                int errno = Check.LastErrno;
                // Not supported by this filesystem, or not permitted (user.* on a symlink, trusted.* in a user namespace).
                if (errno is ENOTSUP or EPERM) SkippedXattrs++;
                else throw new ErrnoException("setxattr " + name, errno);
            }
        }
    }

    private static void ValidatePath(string path, string what, int maxBytes = MaxPathBytes)
    {
        if (path.Contains('\0')) throw new LayerRefusal($"{what} contains a NUL byte");
        if (Encoding.UTF8.GetByteCount(path) > maxBytes) throw new LayerRefusal($"{what} is longer than {maxBytes} bytes");
    }

    private BerthException FromErrno(ErrnoException e)
    {
        ErrorKind kind = e.Errno switch
        {
            EPERM or EACCES => ErrorKind.PermissionDenied,
            ENOSPC or EDQUOT => ErrorKind.Unavailable,
            ENAMETOOLONG or ELOOP or ENOTDIR or EISDIR or EINVAL or EEXIST or ENOTEMPTY or EMLINK or E2BIG => ErrorKind.InvalidArgument,
            _ => ErrorKind.Internal,
        };
        return new BerthException(kind, $"layer: {_entryName}: {e.Message}", e);
    }

    public void Dispose()
    {
        _fs.Dispose();
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }
}
