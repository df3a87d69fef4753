using System.Text.Json;
using Berth.Core;

namespace Berth.Oci.Tests;

public sealed class ContainerStateTests
{
    private static ContainerState Sample() => new()
    {
        OciVersion = "1.2.0",
        Id = "web",
        Pid = 4242,
        Status = ContainerStatusNames.Running,
        Bundle = "/run/bundles/web",
        Rootfs = "/run/bundles/web/rootfs",
        Created = new DateTimeOffset(2026, 8, 19, 12, 0, 0, TimeSpan.FromHours(2)).AddTicks(1234567),
        Owner = "",
    };

    [Fact]
    public void Indented_HasRuncKeyOrderAndAlwaysOwner()
    {
        string json = OciJson.WriteIndented(Sample());

        const string expected = """
        {
          "ociVersion": "1.2.0",
          "id": "web",
          "pid": 4242,
          "status": "running",
          "bundle": "/run/bundles/web",
          "rootfs": "/run/bundles/web/rootfs",
          "created": "2026-08-19T10:00:00.1234567Z",
          "owner": ""
        }
        """;
        Assert.Equal(expected.ReplaceLineEndings("\n"), json.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Annotations_AreWrittenBeforeOwner_AndOmittedWhenEmpty()
    {
        ContainerState state = Sample();
        state.Annotations = new() { ["a"] = "b" };
        string with = OciJson.Write(state);
        state.Annotations = [];
        string without = OciJson.Write(state);

        Assert.Contains("\"created\":\"2026-08-19T10:00:00.1234567Z\",\"annotations\":{\"a\":\"b\"},\"owner\":\"\"}", with);
        Assert.DoesNotContain("annotations", without);
    }

    [Fact]
    public void Read_AcceptsGoNanosecondTimestamps()
    {
        const string json = """{"ociVersion":"1.2.0","id":"x","pid":0,"status":"stopped","bundle":"/b","rootfs":"/b/rootfs","created":"2026-08-19T10:00:00.123456789Z","owner":"root"}""";

        ContainerState state = JsonSerializer.Deserialize(json, OciJsonContext.Default.ContainerState)!;

        // .NET keeps 100 ns ticks, so the ninth digit rounds.
        Assert.Equal(new DateTimeOffset(2026, 8, 19, 10, 0, 0, TimeSpan.Zero).AddTicks(1234568), state.Created);
        Assert.Equal(("stopped", "root"), (state.Status, state.Owner));
    }

    [Fact]
    public void Read_BadTimestamp_IsInvalidArgument()
    {
        byte[] json = """{"ociVersion":"1.2.0","id":"x","created":"yesterday"}"""u8.ToArray();

        var e = Assert.Throws<BerthException>(() => OciJson.Read(json, OciJsonContext.Default.ContainerState, "state.json"));

        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.StartsWith("state.json: invalid JSON at line 1", e.Message);
    }

    [Fact]
    public void List_IsAJsonArray()
    {
        string json = JsonSerializer.Serialize(new List<ContainerState> { Sample() }, OciJsonContext.Default.ListContainerState);
        Assert.StartsWith("[{\"ociVersion\":\"1.2.0\",\"id\":\"web\"", json);
    }
}
