using System.Text.Json;
using Berth.Core;
using Berth.Engine;
using Berth.Engine.Images;

namespace Berth.Engine.Tests;

public sealed class DockerfileChangesTests
{
    private static ContainerDefaults Apply(params string[] changes)
    {
        var c = new ContainerDefaults();
        DockerfileChanges.Apply(c, changes);
        return c;
    }

    [Fact]
    public void Exec_form_is_kept_and_shell_form_runs_through_sh()
    {
        Assert.Equal(["/bin/app", "--flag"], Apply("CMD [\"/bin/app\", \"--flag\"]").Cmd);
        Assert.Equal(["/bin/sh", "-c", "echo $HOME && ls"], Apply("cmd echo $HOME && ls").Cmd);
        Assert.Equal(["/bin/sh", "-c", "[not json"], Apply("ENTRYPOINT [not json").Entrypoint);
        Assert.Equal([], Apply("CMD").Cmd);
    }

    [Fact]
    public void Env_takes_pairs_with_quotes_and_the_old_space_form_and_replaces_earlier_values()
    {
        Assert.Equal(["A=1", "B=two words", "C=x\"y"], Apply("ENV A=1 B=\"two words\" C=x\\\"y").Env);
        Assert.Equal(["GREETING=hello big world"], Apply("ENV GREETING hello big world").Env);
        Assert.Equal(["A=2"], Apply("ENV A=1", "ENV A=2").Env);
    }

    [Fact]
    public void Workdir_user_labels_ports_volumes_and_stopsignal()
    {
        var c = Apply("WORKDIR /srv", "WORKDIR app", "USER 1000:1000", "LABEL a=b \"c d\"='e f'", "EXPOSE 80 53/UDP",
            "VOLUME [\"/data\", \"/logs\"]", "VOLUME /cache", "STOPSIGNAL SIGINT");
        Assert.Equal("/srv/app", c.WorkingDir);
        Assert.Equal("1000:1000", c.User);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "b", ["c d"] = "e f" }, c.Labels);
        Assert.Equal(["53/udp", "80/tcp"], c.ExposedPorts!.Keys.Order());
        Assert.Equal(["/cache", "/data", "/logs"], c.Volumes!.Keys.Order());
        Assert.Equal("SIGINT", c.StopSignal);
        // Serialised as Docker writes it: {"80/tcp":{}}.
        Assert.Contains("\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{}}", JsonSerializer.Serialize(c, EngineJsonContext.Default.ContainerDefaults));
    }

    [Theory]
    [InlineData("RUN rm -rf /", "RUN is not a valid change command")]
    [InlineData("COPY a b", "COPY is not a valid change command")]
    [InlineData("HEALTHCHECK CMD true", "not supported")]
    [InlineData("ONBUILD RUN x", "not supported")]
    [InlineData("EXPOSE 99999", "invalid port")]
    [InlineData("EXPOSE 80/icmp", "invalid port")]
    [InlineData("LABEL novalue", "KEY=VALUE")]
    [InlineData("ENV LONELY", "without a value")]
    [InlineData("WORKDIR", "requires at least one argument")]
    [InlineData("ENV A=\"open", "unterminated quote")]
    public void Bad_changes_are_refused_with_a_clear_message(string change, string message)
    {
        var e = Assert.Throws<BerthException>(() => Apply(change));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("keep", false, true)]
    [InlineData("keep=yes", false, true)]
    [InlineData("keep=no", false, false)]
    [InlineData("other", false, false)]
    public void Label_filters_match_keys_and_values(string filter, bool negated, bool holds)
    {
        var labels = new Dictionary<string, string> { ["keep"] = "yes" };
        Assert.Equal(holds, LabelFilter.Parse(filter, negated).Holds(labels));
        Assert.False(LabelFilter.Parse(filter, negated).Holds(null));
    }
}
