using Berth.Images;

namespace Berth.Engine.Images;

/// <summary>A label condition of docker image prune: label=KEY, label=KEY=VALUE, and their label!= negations.</summary>
public sealed record LabelFilter(string Key, string? Value, bool Negated)
{
    public static LabelFilter Parse(string text, bool negated)
    {
        int eq = text.IndexOf('=');
        return eq < 0 ? new LabelFilter(text, null, negated) : new LabelFilter(text[..eq], text[(eq + 1)..], negated);
    }

    /// <summary>True when the image's labels have KEY (with VALUE, if given); negated filters want the opposite.</summary>
    public bool Holds(IReadOnlyDictionary<string, string>? labels) =>
        labels is not null && labels.TryGetValue(Key, out var v) && (Value is null || v == Value);
}

/// <summary>Which images docker image prune removes: dangling ones only (the default) or all unused ones (-a).</summary>
public sealed record PruneFilter(bool DanglingOnly, DateTimeOffset? Until, IReadOnlyList<LabelFilter> Labels);

public sealed record PruneReport(IReadOnlyList<(string Kind, string Value)> Removed, long SpaceReclaimed);

public sealed partial class ImageService
{
    /// <summary>
    /// docker image prune: removes the images the filter selects, then every blob and layer no image refers to.
    /// Dangling means without tags and without repo digests, as Docker counts it. Berthd has no containers yet,
    /// so no image is "in use"; when containers come, -a must spare the images they were made from.
    /// </summary>
    public PruneReport Prune(PruneFilter filter)
    {
        _pullLock.Wait();
        try
        {
            var removed = new List<(string, string)>();
            foreach (var image in _store.List())
            {
                var tags = _store.TagsOf(image.Id);
                if (filter.DanglingOnly && (tags.Count > 0 || image.RepoDigests.Count > 0)) continue;
                var config = ConfigOf(image);
                if (filter.Until is { } until && (config.Created ?? image.Pulled) >= until) continue;
                var labels = config.Config?.Labels;
                if (!filter.Labels.All(l => l.Holds(labels) != l.Negated)) continue;

                foreach (string t in tags)
                {
                    var r = ImageReference.ParseNormalized(t);
                    _store.Untag(r);
                    removed.Add(("Untagged", r.FamiliarString));
                    _events.Publish("image", "untag", image.Id, new Dictionary<string, string> { ["name"] = r.FamiliarString });
                }
                foreach (string d in image.RepoDigests)
                    removed.Add(("Untagged", ImageReference.TryParseNormalized(d, out var r) ? r.FamiliarString : d));
                _store.Delete(image.Id);
                removed.Add(("Deleted", image.Id));
                _events.Publish("image", "delete", image.Id, new Dictionary<string, string> { ["name"] = image.Id });
            }
            var gc = CollectGarbage();
            _events.Publish("image", "prune", "", new Dictionary<string, string> { ["reclaimed"] = gc.BytesFreed.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            return new PruneReport(removed, gc.BytesFreed);
        }
        finally { _pullLock.Release(); }
    }
}
