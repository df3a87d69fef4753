using Berth.Images;

namespace Berth.Engine.Images;

public sealed partial class ImageService
{
    /// <summary>docker import: a rootfs tar becomes a one-layer image, tagged when a name is given; returns its ID.</summary>
    public async Task<string> ImportAsync(Stream tar, ImageReference? name, ImportOptions options, CancellationToken ct)
    {
        var defaults = new ContainerDefaults();
        DockerfileChanges.Apply(defaults, options.Changes); // a bad --change fails before the upload is read
        using var layer = _importer.Receive(tar, MaxLoadBytes); // a slow upload holds no lock
        await _pullLock.WaitAsync(ct);
        try
        {
            var record = _importer.Import(layer, defaults, options, ct);
            if (name is not null) _store.Tag(name, record.Id);
            _events.Publish("image", "import", record.Id, new Dictionary<string, string> { ["name"] = name?.FamiliarString ?? record.Id });
            return record.Id;
        }
        finally { _pullLock.Release(); }
    }
}
