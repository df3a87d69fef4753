using Berth.Cli.Api;
using Berth.Cli.Output;

namespace Berth.Cli.Tests;

public sealed class OutputTests
{
    [Theory]
    [InlineData(0, 3, "0B")]
    [InlineData(999, 3, "999B")]
    [InlineData(1088000, 3, "1.09MB")]
    [InlineData(1088000, 4, "1.088MB")]
    [InlineData(4261234, 3, "4.26MB")]
    [InlineData(123456789012, 3, "123GB")]
    [InlineData(999999, 3, "1e+03kB")]
    public void Sizes_are_decimal_with_docker_precision(long size, int precision, string expected) =>
        Assert.Equal(expected, Units.HumanSize(size, precision));

    [Theory]
    [InlineData(0, "Less than a second")]
    [InlineData(1, "1 second")]
    [InlineData(59, "59 seconds")]
    [InlineData(60, "About a minute")]
    [InlineData(150, "2 minutes")]
    [InlineData(3600, "About an hour")]
    [InlineData(3 * 3600, "3 hours")]
    [InlineData(50 * 3600, "2 days")]
    [InlineData(20 * 86400, "2 weeks")]
    [InlineData(90 * 86400, "3 months")]
    [InlineData(800 * 86400, "2 years")]
    public void Durations_are_coarse(int seconds, string expected) =>
        Assert.Equal(expected, Units.HumanDuration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Tabwriter_pads_columns_to_the_widest_cell_plus_three_and_at_least_ten()
    {
        string text = "REPOSITORY\tTAG\tIMAGE ID\nbusybox\tlatest\tabc\n";
        Assert.Equal("REPOSITORY   TAG       IMAGE ID\nbusybox      latest    abc\n", TabWriter.Format(text));
    }

    [Fact]
    public void Tabwriter_keeps_an_empty_last_cell_and_pads_the_one_before()
    {
        Assert.Equal("a         b         \n", TabWriter.Format("a\tb\t\n"));
        Assert.Equal("x         y\n", TabWriter.Format("x\ty\n"));
    }

    [Fact]
    public void A_table_format_gets_a_header_row_and_json_gets_one_object_per_line()
    {
        var rows = new[] { Row.From(new Dictionary<string, string> { ["ID"] = "abc", ["Tag"] = "1" }) };
        var headers = new Dictionary<string, string> { ["ID"] = "IMAGE ID", ["Tag"] = "TAG" };
        Assert.Equal("IMAGE ID   TAG\nabc        1\n", new ListFormatter("table {{.ID}}\\t{{.Tag}}", "", "T").Render(rows, headers));
        Assert.Equal("{\"ID\":\"abc\",\"Tag\":\"1\"}\n", new ListFormatter("json", "", "T").Render(rows, headers));
        Assert.Equal("abc:1\n", new ListFormatter("{{.ID}}:{{.Tag}}", "", "T").Render(rows, headers));
    }

    [Fact]
    public void Image_rows_follow_dockers_rules_for_tags_digests_and_dangling_images()
    {
        var image = new ImageSummary
        {
            Id = "sha256:" + new string('a', 64),
            RepoTags = ["busybox:latest", "busybox:1", "localhost:5000/x:2"],
            RepoDigests = ["busybox@sha256:" + new string('b', 64), "other@sha256:" + new string('c', 64)],
        };
        var rows = ImageRows.For(image, showDigests: false);
        Assert.Equal(
            [new("busybox", "latest", "<none>"), new("busybox", "1", "<none>"), new("localhost:5000/x", "2", "<none>"), new("other", "<none>", "")],
            rows);
        rows = ImageRows.For(image, showDigests: true);
        Assert.Equal("sha256:" + new string('b', 64), rows[0].Digest);
        Assert.Equal(new ImageRows.Ref("other", "<none>", "sha256:" + new string('c', 64)), rows[^1]);
        Assert.Equal([new("<none>", "<none>", "<none>")], ImageRows.For(new ImageSummary { Id = "sha256:x", RepoTags = ["<none>:<none>"] }, false));
    }

    [Fact]
    public void Plain_progress_prints_one_line_per_status_and_no_byte_counts()
    {
        var sw = new StringWriter();
        var d = new ProgressDisplay(sw, terminal: false, width: 80);
        d.Show(new JsonMessage { Status = "Pulling from x", Id = "latest" });
        d.Show(new JsonMessage { Status = "Pulling fs layer", Id = "abc", ProgressDetail = new() });
        d.Show(new JsonMessage { Status = "Downloading", Id = "abc", ProgressDetail = new() { Current = 5, Total = 10 } });
        d.Show(new JsonMessage { Status = "Pull complete", Id = "abc", ProgressDetail = new() });
        d.Show(new JsonMessage { Status = "Digest: sha256:x" });
        Assert.Equal("latest: Pulling from x\nabc: Pulling fs layer\nabc: Pull complete\nDigest: sha256:x\n", sw.ToString());
    }

    [Fact]
    public void Terminal_progress_redraws_each_layer_line_in_place()
    {
        var sw = new StringWriter();
        var d = new ProgressDisplay(sw, terminal: true, width: 120);
        d.Show(new JsonMessage { Status = "Downloading", Id = "a", ProgressDetail = new() { Current = 500_000, Total = 1_000_000 } });
        d.Show(new JsonMessage { Status = "Waiting", Id = "b", ProgressDetail = new() });
        d.Show(new JsonMessage { Status = "Pull complete", Id = "a", ProgressDetail = new() });
        string s = sw.ToString();
        Assert.StartsWith("\n\u001b[1A\u001b[2K\ra: Downloading [" + new string('=', 25) + ">" + new string(' ', 24) + "]    500kB/1MB\r\u001b[1B", s);
        // "a" is two lines up once "b" exists
        Assert.EndsWith("\u001b[2A\u001b[2K\ra: Pull complete \r\u001b[2B", s);
    }

    [Fact]
    public void An_error_in_the_stream_ends_it_with_the_message()
    {
        var d = new ProgressDisplay(new StringWriter(), terminal: false, width: 80);
        var e = Assert.Throws<CliException>(() => d.Show(new JsonMessage { ErrorDetail = new() { Message = "manifest unknown" }, Error = "manifest unknown" }));
        Assert.Equal("manifest unknown", e.Message);
    }
}
