using static Berth.Archive.Tests.Corpus;

namespace Berth.Archive.Tests;

/// <summary>
/// containerd's pkg/archive/tar_test.go TestBreakouts, case by case (SECURITY-CASES 3A.2-3A.7), each run in
/// every variant of <see cref="Corpus"/>. Where Berth differs from containerd it is stricter, and the test
/// says why: an entry for the root that is not a directory is refused (containerd skips it), and a hardlink
/// may only point at a file this same layer wrote (containerd links into lower layers).
/// </summary>
public sealed class BreakoutTests
{
    private const string Expected = "unbroken";

    private static void Unbroken(Sandbox sb) => FileValue(sb, "etc/unbroken", Expected);

    [Fact]
    public void SymlinkAbsolute() => Run(new Case
    {
        Layer = _ => new TarBuilder().Dir("etc").Symlink("/etc", "localetc").File("/localetc/unbroken", Expected).Bytes(),
        Outcome = Outcome.Contained,
        Validate = Unbroken,
    });

    [Fact]
    public void SymlinkUpAndOut() => Run(new Case
    {
        Layer = _ => new TarBuilder().Dir("etc").Dir("dummy").Symlink("/dummy/../etc", "localetc").File("/localetc/unbroken", Expected).Bytes(),
        Outcome = Outcome.Contained,
        Validate = Unbroken,
    });

    [Fact]
    public void SymlinkMultipleAbsolute() => Run(new Case
    {
        Layer = _ => new TarBuilder().Dir("etc").Dir("dummy").Symlink("/etc", "/dummy/etc").Symlink("/dummy/etc", "localetc")
            .File("/dummy/etc/unbroken", Expected).Bytes(),
        Outcome = Outcome.Contained,
        Validate = Unbroken,
    });

    [Fact]
    public void SymlinkMultipleRelative() => Run(new Case
    {
        Layer = _ => new TarBuilder().Dir("etc").Dir("dummy").Symlink("/etc", "/dummy/etc").Symlink("./dummy/etc", "localetc")
            .File("/dummy/etc/unbroken", Expected).Bytes(),
        Outcome = Outcome.Contained,
        Validate = Unbroken,
    });

    [Fact]
    public void SymlinkEmptyFile() => Run(new Case
    {
        Layer = _ => new TarBuilder().Dir("etc").File("etc/emptied", "notempty").Symlink("/etc", "localetc").File("/localetc/emptied", "").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb => FileValue(sb, "etc/emptied", ""),
    });

    [Fact]
    public void HardlinkRelative() => Run(new Case
    {
        Layer = _ => new TarBuilder().Dir("etc", "770").File("/etc/passwd", "inside").Dir("breakouts")
            .Symlink("../../etc", "breakouts/d1").Link("/breakouts/d1/passwd", "breakouts/mypasswd").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb => SameFile(sb, "/breakouts/mypasswd", "/etc/passwd"),
    });

    [Fact]
    public void HardlinkDownAndOut() => Run(new Case
    {
        Layer = _ => new TarBuilder().Dir("etc", "770").File("/etc/passwd", "inside").Dir("breakouts").Dir("downandout")
            .Symlink("../downandout/../../etc", "breakouts/d1").Link("/breakouts/d1/passwd", "breakouts/mypasswd").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb => SameFile(sb, "/breakouts/mypasswd", "/etc/passwd"),
    });

    [Fact]
    public void HardlinkAbsolute() => Run(new Case
    {
        Layer = _ => new TarBuilder().Dir("etc", "770").File("/etc/passwd", "inside").Symlink("/etc", "localetc")
            .Link("/localetc/passwd", "localpasswd").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb => SameFile(sb, "localpasswd", "/etc/passwd"),
    });

    [Fact]
    public void HardlinkRelativeLong() => Run(new Case
    {
        Layer = _ => new TarBuilder().Dir("etc", "770").File("/etc/passwd", "inside").Symlink("../../../../../../../etc", "localetc")
            .Link("/localetc/passwd", "localpasswd").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb => SameFile(sb, "localpasswd", "/etc/passwd"),
    });

    [Fact]
    public void HardlinkRelativeUpAndOut() => Run(new Case
    {
        Layer = _ => new TarBuilder().Dir("etc", "770").File("/etc/passwd", "inside").Symlink("upandout/../../../etc", "localetc")
            .Link("/localetc/passwd", "localpasswd").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb => SameFile(sb, "localpasswd", "/etc/passwd"),
    });

    [Fact]
    public void HardlinkDirectRelative() => Run(new Case
    {
        Layer = _ => new TarBuilder().Dir("etc", "770").File("/etc/passwd", "inside").Link("../../../../../etc/passwd", "localpasswd").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb => SameFile(sb, "localpasswd", "/etc/passwd"),
    });

    [Fact]
    public void HardlinkDirectAbsolute() => Run(new Case
    {
        Layer = _ => new TarBuilder().Dir("etc", "770").File("/etc/passwd", "inside").Link("/etc/passwd", "localpasswd").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb => SameFile(sb, "localpasswd", "/etc/passwd"),
    });

    /// <summary>A symlink named "..": cleaned, it names the root, which may only be a directory (containerd skips it).</summary>
    [Fact]
    public void SymlinkParentDirectory() => Run(new Case
    {
        Layer = _ => new TarBuilder().Dir("etc", "770").File("/etc/passwd", "inside").Symlink("/etc/", "..").Link("/etc/passwd", "localpasswd").Bytes(),
        Outcome = Outcome.Refused,
        Reason = "root directory",
    });

    /// <summary>A symlink named "" (TarWriter will not write it, so raw blocks): the root again.</summary>
    [Fact]
    public void SymlinkEmptyFilename() => Run(new Case
    {
        Layer = _ => [.. RawTar.Header("etc/", '5', 0, mode: "770"), .. RawTar.File("etc/passwd", "inside"u8.ToArray()),
            .. RawTar.Header("", '2', 0, linkName: "/etc/"), .. RawTar.Header("localpasswd", '1', 0, linkName: "/etc/passwd"), .. RawTar.End()],
        Outcome = Outcome.Refused,
        Reason = "root directory",
    });

    [Fact]
    public void SymlinkParentRelative() => Run(new Case
    {
        Layer = _ => new TarBuilder().Dir("etc", "770").File("/etc/passwd", "inside").Symlink("/etc/", "localetc/sub/..")
            .Link("/etc/passwd", "/localetc/localpasswd").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb => SameFile(sb, "/localetc/localpasswd", "/etc/passwd"),
    });

    [Fact]
    public void SymlinkSlashEnded() => Run(new Case
    {
        Layer = _ => new TarBuilder().Dir("etc", "770").File("/etc/passwd", "inside").Dir("localetc/", "770")
            .Link("/etc/passwd", "/localetc/localpasswd").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb => SameFile(sb, "/localetc/localpasswd", "/etc/passwd"),
    });

    private static void LowerEtcAndLocaletcDir(Sandbox sb)
    {
        Directory.CreateDirectory(Path.Combine(sb.Root, "etc"));
        File.WriteAllText(Path.Combine(sb.Root, "etc/passwd"), "inside");
        Directory.CreateDirectory(Path.Combine(sb.Root, "localetc"));
    }

    /// <summary>containerd's case links to the lower layer's /etc/passwd: refused here (hardlinks stay within a layer).</summary>
    [Fact]
    public void SymlinkOverrideDirectory() => Run(new Case
    {
        Lower = LowerEtcAndLocaletcDir,
        Layer = _ => new TarBuilder().Symlink("/etc", "localetc").Link("/etc/passwd", "/localetc/localpasswd").Bytes(),
        Outcome = Outcome.Refused,
        Reason = "not written by this layer",
    });

    /// <summary>The same override with a link target from this layer: the symlink replaces the directory, the link lands in root/etc.</summary>
    [Fact]
    public void SymlinkOverrideDirectory_TargetInLayer() => Run(new Case
    {
        Lower = LowerEtcAndLocaletcDir,
        Layer = _ => new TarBuilder().File("/etc/passwd", "layer").Symlink("/etc", "localetc").Link("/etc/passwd", "/localetc/localpasswd").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb =>
        {
            IsSymlink(sb, "localetc", "/etc");
            SameFile(sb, "/localetc/localpasswd", "/etc/passwd");
            Assert.True(File.Exists(Path.Combine(sb.Root, "etc/localpasswd")));
        },
    });

    [Fact]
    public void SymlinkOverrideDirectoryRelative() => Run(new Case
    {
        Lower = LowerEtcAndLocaletcDir,
        Layer = _ => new TarBuilder().Symlink("../../etc", "localetc").Link("/etc/passwd", "/localetc/localpasswd").Bytes(),
        Outcome = Outcome.Refused,
        Reason = "not written by this layer",
    });

    [Fact]
    public void SymlinkOverrideDirectoryRelative_TargetInLayer() => Run(new Case
    {
        Lower = LowerEtcAndLocaletcDir,
        Layer = _ => new TarBuilder().File("/etc/passwd", "layer").Symlink("../../etc", "localetc").Link("/etc/passwd", "/localetc/localpasswd").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb => SameFile(sb, "/localetc/localpasswd", "/etc/passwd"),
    });

    private static void LowerEtcAndLocaletcSymlink(Sandbox sb)
    {
        Directory.CreateDirectory(Path.Combine(sb.Root, "etc"));
        File.WriteAllText(Path.Combine(sb.Root, "etc/passwd"), "inside");
        File.CreateSymbolicLink(Path.Combine(sb.Root, "localetc"), "/etc");
    }

    [Fact]
    public void DirectoryOverrideSymlink() => Run(new Case
    {
        Lower = LowerEtcAndLocaletcSymlink,
        Layer = _ => new TarBuilder().Dir("/localetc/").Link("/etc/passwd", "/localetc/localpasswd").Bytes(),
        Outcome = Outcome.Refused,
        Reason = "not written by this layer",
    });

    /// <summary>A directory replaces the lower symlink, and what is written under it lands in the new directory, not the link's target.</summary>
    [Fact]
    public void DirectoryOverrideSymlink_TargetInLayer() => Run(new Case
    {
        Lower = LowerEtcAndLocaletcSymlink,
        Layer = _ => new TarBuilder().File("/etc/passwd", "layer").Dir("/localetc/").Link("/etc/passwd", "/localetc/localpasswd").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb =>
        {
            Assert.True(T.Lstat(Path.Combine(sb.Root, "localetc")).IsDirectory);
            SameFile(sb, "/localetc/localpasswd", "/etc/passwd");
            NotExists(sb, "etc/localpasswd");
        },
    });

    [Fact]
    public void DirectoryOverrideSymlinkAndHardlink() => Run(new Case
    {
        Lower = sb =>
        {
            LowerEtcAndLocaletcSymlink(sb);
            File.Delete(Path.Combine(sb.Root, "localetc"));
            File.CreateSymbolicLink(Path.Combine(sb.Root, "localetc"), "etc");
            Assert.Equal(0, Berth.Interop.Libc.LinkAt(Berth.Interop.Libc.AT_FDCWD, Path.Combine(sb.Root, "etc/passwd"), Berth.Interop.Libc.AT_FDCWD, Path.Combine(sb.Root, "etc/localpasswd"), 0));
        },
        Layer = _ => new TarBuilder().Dir("/localetc/").File("/localetc/localpasswd", "different").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb =>
        {
            Assert.False(T.SameFileInRoot(sb.Root, "/localetc/localpasswd", "/etc/passwd"));
            FileValue(sb, "etc/passwd", "inside");
            FileValue(sb, "localetc/localpasswd", "different");
        },
    });

    private static void LowerEtcPasswd(Sandbox sb)
    {
        Directory.CreateDirectory(Path.Combine(sb.Root, "etc"));
        File.WriteAllText(Path.Combine(sb.Root, "etc/passwd"), "inside");
    }

    [Fact]
    public void WhiteoutRootParent() => Run(new Case
    {
        Lower = LowerEtcPasswd,
        Layer = _ => new TarBuilder().Whiteout(".wh...").Bytes(),
        Outcome = Outcome.Refused,
        Reason = "invalid whiteout",
    });

    [Fact]
    public void WhiteoutParent() => Run(new Case
    {
        Lower = LowerEtcPasswd,
        Layer = _ => new TarBuilder().Whiteout("etc/.wh...").Bytes(),
        Outcome = Outcome.Refused,
        Reason = "invalid whiteout",
    });

    [Fact]
    public void WhiteoutRoot() => Run(new Case
    {
        Lower = LowerEtcPasswd,
        Layer = _ => new TarBuilder().Whiteout(".wh..").Bytes(),
        Outcome = Outcome.Refused,
        Reason = "invalid whiteout",
    });

    [Fact]
    public void WhiteoutCurrentDirectory() => Run(new Case
    {
        Lower = LowerEtcPasswd,
        Layer = _ => new TarBuilder().Whiteout("etc/.wh..").Bytes(),
        Outcome = Outcome.Refused,
        Reason = "invalid whiteout",
    });

    /// <summary>The same four, on an empty root in overlay mode (no lower layer).</summary>
    [Theory]
    [InlineData(".wh...")]
    [InlineData("etc/.wh...")]
    [InlineData(".wh..")]
    [InlineData("etc/.wh..")]
    [InlineData(".wh.")]
    public void WhiteoutOfParentOrSelf_OverlayMode(string name) => Run(new Case
    {
        Layer = _ => new TarBuilder().Dir("etc").Whiteout(name).Bytes(),
        Outcome = Outcome.Refused,
        Reason = "invalid whiteout",
    });

    private static void LowerEtcAllUsersAndLocaletc(Sandbox sb, string target)
    {
        Directory.CreateDirectory(Path.Combine(sb.Root, "etc"));
        File.WriteAllText(Path.Combine(sb.Root, "etc/passwd"), "all users");
        File.WriteAllText(Path.Combine(sb.Root, "etc/whitedout"), "ahhhh whiteout");
        File.CreateSymbolicLink(Path.Combine(sb.Root, "localetc"), target);
    }

    [Fact]
    public void WhiteoutSymlink() => Run(new Case
    {
        Lower = sb => LowerEtcAllUsersAndLocaletc(sb, "/etc"),
        Layer = _ => new TarBuilder().Whiteout(".wh.localetc").Bytes(),
        Outcome = Outcome.Contained,
        Modes = [WhiteoutMode.Remove],
        Validate = sb =>
        {
            FileValue(sb, "etc/passwd", "all users");
            NotExists(sb, "localetc");
        },
    });

    [Fact]
    public void WhiteoutSymlinkPath() => Run(new Case
    {
        Lower = sb => LowerEtcAllUsersAndLocaletc(sb, "/etc"),
        Layer = _ => new TarBuilder().Whiteout("localetc/.wh.whitedout").Bytes(),
        Outcome = Outcome.Contained,
        Modes = [WhiteoutMode.Remove],
        Validate = sb =>
        {
            FileValue(sb, "etc/passwd", "all users");
            NotExists(sb, "etc/whitedout");
        },
    });

    [Fact]
    public void WhiteoutDirectoryName() => Run(new Case
    {
        Lower = sb => LowerEtcAllUsersAndLocaletc(sb, "/etc"),
        Layer = _ => new TarBuilder().File(".wh.etc/somefile", "non-empty").Bytes(),
        Outcome = Outcome.Contained,
        Modes = [WhiteoutMode.Remove],
        Validate = sb =>
        {
            FileValue(sb, "etc/passwd", "all users");
            FileValue(sb, ".wh.etc/somefile", "non-empty");
        },
    });

    [Fact]
    public void WhiteoutDeadSymlinkParent() => Run(new Case
    {
        Lower = sb => LowerEtcAllUsersAndLocaletc(sb, "/dne"),
        Layer = _ => new TarBuilder().Whiteout("localetc/.wh.etc").Bytes(),
        Outcome = Outcome.Contained,
        Modes = [WhiteoutMode.Remove],
        Validate = sb => FileValue(sb, "etc/passwd", "all users"),
    });

    [Fact]
    public void WhiteoutRelativePath() => Run(new Case
    {
        Lower = sb => LowerEtcAllUsersAndLocaletc(sb, "/dne"),
        Layer = _ => new TarBuilder().Whiteout("dne/../.wh.etc").Bytes(),
        Outcome = Outcome.Contained,
        Modes = [WhiteoutMode.Remove],
        Validate = sb => NotExists(sb, "etc/passwd"),
    });

    [Fact]
    public void HardlinkSymlinkBeforeCreateTarget() => Run(new Case
    {
        Layer = _ => new TarBuilder().Dir("etc", "770").Symlink("/etc/passwd", "localpasswd").Link("localpasswd", "localpasswd-dup")
            .File("/etc/passwd", "after").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb => SameFile(sb, "localpasswd-dup", "/etc/passwd"),
    });

    [Fact]
    public void HardlinkSymlinkRelative() => Run(new Case
    {
        Layer = _ => new TarBuilder().Dir("etc", "770").File("/etc/passwd", "inside").Symlink("../../../../../etc/passwd", "passwdlink")
            .Link("/passwdlink", "localpasswd").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb =>
        {
            IsSymlink(sb, "localpasswd", "../../../../../etc/passwd");
            IsSymlink(sb, "passwdlink", "../../../../../etc/passwd");
            SameFile(sb, "/localpasswd", "/etc/passwd");
        },
    });

    [Fact]
    public void HardlinkSymlinkAbsolute() => Run(new Case
    {
        Layer = _ => new TarBuilder().Dir("etc", "770").File("/etc/passwd", "inside").Symlink("/etc/passwd", "passwdlink")
            .Link("/passwdlink", "localpasswd").Bytes(),
        Outcome = Outcome.Contained,
        Validate = sb =>
        {
            IsSymlink(sb, "localpasswd", "/etc/passwd");
            SameFile(sb, "/localpasswd", "/etc/passwd");
        },
    });

    /// <summary>CVE-2021-32760: a hardlink to a symlink whose target is a host file, with a mode to apply.</summary>
    [Fact]
    public void HardlinkSymlinkChmod() => Run(new Case
    {
        Layer = sb =>
        {
            string ep = Path.Combine(sb.Victim, "also-exists-outside-root");
            if (!File.Exists(ep))
            {
                File.WriteAllText(ep, "...");
                File.SetUnixFileMode(ep, (UnixFileMode)T.O("640"));
            }
            return new TarBuilder().Symlink(sb.VictimFile, ep).Link(ep, "sketchylink", mode: "4777").Bytes();
        },
        Outcome = Outcome.Contained,
        Validate = sb =>
        {
            Assert.Equal(T.O("400"), T.Perm(sb.VictimFile));
            Assert.Equal(T.O("640"), T.Perm(Path.Combine(sb.Victim, "also-exists-outside-root")));
            IsSymlink(sb, "sketchylink", sb.VictimFile);
        },
    });
}
