using System.Text.Json;
using Berth.Cli.Api;
using Berth.Images;

namespace Berth.Cli.Output;

/// <summary>
/// The rows docker shows for one image: one per repository:tag (and per digest of that repository with
/// --digests), then one per repository known only by digest; "&lt;none&gt;" rows for a dangling image.
/// </summary>
public static class ImageRows
{
    public readonly record struct Ref(string Repository, string Tag, string Digest);

    public static List<Ref> For(ImageSummary image, bool showDigests)
    {
        var tags = new List<string>(image.RepoTags ?? []).Where(t => t != "<none>:<none>").ToList();
        var digests = new List<string>(image.RepoDigests ?? []).Where(d => d != "<none>@<none>").ToList();
        if (tags.Count == 0 && digests.Count == 0) return [new Ref("<none>", "<none>", "<none>")];

        var repoTags = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var repoDigests = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string t in tags)
            if (ImageReference.TryParseNormalized(t, out var r) && r.Tag is not null && r.Digest is null)
                Add(repoTags, r.FamiliarName, r.Tag);
        foreach (string d in digests)
        {
            int at = d.IndexOf('@');
            if (at > 0 && ImageReference.TryParseNormalized(d[..at], out var r)) Add(repoDigests, r.FamiliarName, d[(at + 1)..]);
        }

        var rows = new List<Ref>();
        foreach (var (repo, repoTagList) in repoTags)
        {
            var ds = repoDigests.Remove(repo, out var list) && showDigests ? list : [];
            foreach (string tag in repoTagList)
            {
                if (ds.Count == 0) rows.Add(new Ref(repo, tag, "<none>"));
                else rows.AddRange(ds.Select(d => new Ref(repo, tag, d)));
            }
        }
        foreach (var (repo, ds) in repoDigests)
        {
            if (showDigests) rows.AddRange(ds.Select(d => new Ref(repo, "<none>", d)));
            else rows.Add(new Ref(repo, "<none>", ""));
        }
        return rows;

        void Add(Dictionary<string, List<string>> map, string key, string value)
        {
            if (!map.TryGetValue(key, out var l)) map[key] = l = [];
            l.Add(value);
        }
    }

    /// <summary>The fields docker's image formatter offers, as it fills them.</summary>
    public static JsonElement Row(ImageSummary i, Ref r, bool trunc, DateTimeOffset now) => Output.Row.From(new Dictionary<string, string>
    {
        ["Containers"] = i.Containers < 0 ? "N/A" : i.Containers.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["CreatedAt"] = Units.GoTimeString(i.Created),
        ["CreatedSince"] = Units.Ago(i.Created, now),
        ["Digest"] = r.Digest,
        ["ID"] = trunc ? Units.ShortId(i.Id) : i.Id,
        ["Repository"] = r.Repository,
        ["SharedSize"] = i.SharedSize < 0 ? "N/A" : Units.HumanSize(i.SharedSize, 3),
        ["Size"] = Units.HumanSize(i.Size, 3),
        ["Tag"] = r.Tag,
        ["UniqueSize"] = i.SharedSize < 0 ? "N/A" : Units.HumanSize(i.Size - i.SharedSize, 3),
        ["VirtualSize"] = Units.HumanSize(i.Size),
    });
}
