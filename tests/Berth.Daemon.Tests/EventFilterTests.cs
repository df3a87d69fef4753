namespace Berth.Daemon.Tests;

/// <summary>docker events --since/--until with type, event and image filters, over image events berthd records.</summary>
public sealed class EventFilterTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>, IDisposable
{
    private readonly Daemon _d = new();

    public void Dispose() => _d.Dispose();

    private string Ok(params string[] args)
    {
        var (exit, stdout, stderr) = _d.Docker(args);
        Assert.True(exit == 0, $"docker {string.Join(' ', args)} failed: {stderr}");
        return stdout;
    }

    [DaemonFact]
    public void Past_image_events_are_filtered_by_type_event_and_image()
    {
        string image = $"{fixture.Registry!.HostPort}/test/busybox:latest";
        string since = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Ok("pull", image);
        string id = Ok("inspect", "--format", "{{.Id}}", image).Trim();
        Ok("tag", image, "mybox:1");
        Ok("rmi", "mybox:1");
        string archive = Path.Combine(_d.Dir, "saved.tar");
        Ok("save", "-o", archive, image);
        Ok("rmi", image);
        Ok("load", "-i", archive);
        string until = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

        string[] Events(params string[] filters)
        {
            var args = new List<string> { "events", "--since", since, "--until", until, "--format", "{{.Type}} {{.Action}} {{.Actor.ID}} {{index .Actor.Attributes \"name\"}}" };
            foreach (string f in filters) args.AddRange(["--filter", f]);
            return Ok([.. args]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }

        string name = image[..image.LastIndexOf(':')];
        Assert.Equal([$"image pull {image} {name}"], Events("type=image", "event=pull"));
        Assert.Equal([$"image tag {id} mybox:1"], Events("event=tag"));
        Assert.Equal([$"image delete {id} {id}"], Events("type=image", "event=delete"));
        Assert.Equal([$"image tag {id} mybox:1", $"image untag {id} mybox:1"], Events("image=mybox"));
        Assert.Equal([$"image pull {image} {name}", $"image delete {id} {id}"], Events("event=pull", "event=delete"));
        Assert.Equal([$"image pull {image} {name}", $"image untag {id} {image}"], Events($"image={name}"));
        Assert.Equal([$"image load {id} {id}"], Events("event=load"));
        Assert.Equal(6, Events($"image={id}").Length); // tag, two untags, save, delete, load
        Assert.Empty(Events("type=container"));

        var (exit, _, stderr) = _d.Docker("events", "--since", since, "--until", until, "--filter", "colour=red");
        Assert.NotEqual(0, exit);
        Assert.Contains("invalid filter 'colour'", stderr);
    }
}
