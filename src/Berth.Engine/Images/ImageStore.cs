using System.Text.Json;
using Berth.Core;
using Berth.Images;

namespace Berth.Engine.Images;

/// <summary>
/// Image metadata under &lt;root&gt;/images: one record per image ID and the tag index, each written with
/// temp file + fsync + rename. An image becomes visible only when its record and tag are written, after
/// every blob and layer it needs is verified in place.
/// </summary>
public sealed class ImageStore
{
    private readonly string _dir;
    private readonly Lock _lock = new();
    private TagIndex _tags;

    public ImageStore(string root)
    {
        _dir = Path.Combine(root, "images");
        Directory.CreateDirectory(Path.Combine(_dir, "meta"));
        string tags = Path.Combine(_dir, "tags.json");
        _tags = File.Exists(tags)
            ? JsonSerializer.Deserialize(File.ReadAllBytes(tags), EngineJsonContext.Default.TagIndex) ?? new TagIndex()
            : new TagIndex();
    }

    private string RecordPath(string id) => Path.Combine(_dir, "meta", Digest.Parse(id).Encoded + ".json");

    public IReadOnlyList<ImageRecord> List()
    {
        var result = new List<ImageRecord>();
        foreach (string f in Directory.EnumerateFiles(Path.Combine(_dir, "meta"), "*.json"))
            if (JsonSerializer.Deserialize(File.ReadAllBytes(f), EngineJsonContext.Default.ImageRecord) is { } r) result.Add(r);
        return result;
    }

    public ImageRecord? Get(string id)
    {
        string path = RecordPath(id);
        return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllBytes(path), EngineJsonContext.Default.ImageRecord) : null;
    }

    public void Save(ImageRecord record) =>
        AtomicFile.Write(RecordPath(record.Id), JsonSerializer.SerializeToUtf8Bytes(record, EngineJsonContext.Default.ImageRecord));

    public void Delete(string id) => File.Delete(RecordPath(id));

    public IReadOnlyList<string> TagsOf(string id)
    {
        lock (_lock) return _tags.Tags.Where(kv => kv.Value == id).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
    }

    public string? Lookup(ImageReference reference)
    {
        lock (_lock) return _tags.Tags.TryGetValue(reference.WithoutDigest().Canonical, out var id) ? id : null;
    }

    /// <summary>Points a tag at an image; returns the image it pointed at before, if another.</summary>
    public string? Tag(ImageReference reference, string id)
    {
        lock (_lock)
        {
            string key = reference.WithoutDigest().Canonical;
            _tags.Tags.TryGetValue(key, out var old);
            _tags.Tags[key] = id;
            SaveTags();
            return old == id ? null : old;
        }
    }

    public bool Untag(ImageReference reference)
    {
        lock (_lock)
        {
            if (!_tags.Tags.Remove(reference.WithoutDigest().Canonical)) return false;
            SaveTags();
            return true;
        }
    }

    private void SaveTags() =>
        AtomicFile.Write(Path.Combine(_dir, "tags.json"), JsonSerializer.SerializeToUtf8Bytes(_tags, EngineJsonContext.Default.TagIndex));
}
