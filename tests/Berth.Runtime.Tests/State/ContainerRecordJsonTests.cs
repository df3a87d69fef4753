using System.Text;
using Berth.Runtime.State;

namespace Berth.Runtime.Tests.State;

/// <summary>state.json is written with JSON's minimal escaping: whatever a path or annotation holds must come back as it was.</summary>
public sealed class ContainerRecordJsonTests
{
    [Theory]
    [InlineData("/plain/path")]
    [InlineData("/with \"quotes\" and \\backslashes\\")]
    [InlineData("/tab\there/newline\nthere/bell\u0007")]
    [InlineData("/ünïcødé/日本/😀 <script>&amp;+'")]
    public void Strings_RoundTrip(string text)
    {
        var record = new ContainerRecord
        {
            Id = "c1", InitPid = 42, InitStartTime = 7, Bundle = text, Rootfs = text + "/rootfs",
            Created = new DateTimeOffset(2026, 11, 22, 17, 0, 0, TimeSpan.Zero), Owner = "", CgroupsPath = text,
            Annotations = new() { [text] = text },
        };
        byte[] json = ContainerRecordJson.Write(record);
        var back = ContainerRecordJson.Read(json, "state.json");
        Assert.Equal(text, back.Bundle);
        Assert.Equal(text + "/rootfs", back.Rootfs);
        Assert.Equal(text, back.CgroupsPath);
        Assert.Equal(text, back.Annotations![text]);
        // Non-ASCII stays UTF-8, as Go writes it; only JSON's own specials are escaped.
        string raw = Encoding.UTF8.GetString(json);
        Assert.DoesNotContain("\\u00", raw.Replace("\\u0022", "").Replace("\\u005c", "").Replace("\\u0009", "").Replace("\\u000a", "").Replace("\\u0007", ""));
    }

    [Fact]
    public void LoneSurrogate_BecomesReplacementCharacter()
    {
        var record = new ContainerRecord { Id = "c1", Bundle = "/a\ud800b", Rootfs = "/r", Owner = "", CgroupsPath = "" };
        var back = ContainerRecordJson.Read(ContainerRecordJson.Write(record), "state.json");
        Assert.Equal("/a\ufffdb", back.Bundle);
    }

    private const string Whole = "{\"id\":\"c1\",\"initPid\":1,\"initStartTime\":2,\"bundle\":\"/b\",\"rootfs\":\"/r\",\"created\":\"2026-11-22T17:00:00+00:00\"," +
        "\"owner\":\"\",\"cgroupsPath\":\"\",\"noCgroup\":false,\"hasPoststart\":false,\"hasPoststop\":false}";

    [Fact]
    public void Whole_IsRead() => Assert.Equal(2UL, ContainerRecordJson.Read(Encoding.UTF8.GetBytes(Whole), "state.json").InitStartTime);

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("{\"id\": \"c1\"}")]
    [InlineData("{\"id\": 5, \"initPid\": 1}")]
    [InlineData(Whole + " {}")]
    [InlineData(Whole + " x")]
    public void Damaged_IsOneClearError(string json)
    {
        var e = Assert.Throws<Berth.Core.BerthException>(() => ContainerRecordJson.Read(Encoding.UTF8.GetBytes(json), "/run/x/state.json"));
        Assert.StartsWith("/run/x/state.json is damaged: ", e.Message);
    }

    [Fact]
    public void UnknownFields_AreSkipped_AndNoAnnotationsIsNull()
    {
        var record = new ContainerRecord { Id = "c1", InitPid = 7, Bundle = "/b", Rootfs = "/r", Owner = "", CgroupsPath = "" };
        string json = Encoding.UTF8.GetString(ContainerRecordJson.Write(record)).Replace("{\"id\"", "{\"future\": {\"x\": [1, 2]}, \"id\"");
        var back = ContainerRecordJson.Read(Encoding.UTF8.GetBytes(json), "state.json");
        Assert.Equal(7, back.InitPid);
        Assert.Null(back.Annotations);
    }
}
