using System.Text;
using System.Text.RegularExpressions;
using Berth.Engine.Images;
using Berth.Images;
using Microsoft.AspNetCore.Http;

namespace Berth.Api;

/// <summary>
/// GET /images/json?filters=: docker images, newest first, with the filters dangling, label, reference (what
/// `docker images busybox` sends; only the matching tags are shown), before, since and until.
/// </summary>
internal static class ImageListEndpoint
{
    public static Task List(HttpContext http, ImageService images)
    {
        var f = FilterArgs.Parse(http.Request.Query["filters"].ToString(), "dangling", "label", "reference", "before", "since", "until");
        bool? dangling = f.Bool("dangling");
        var references = f.Values("reference").Select(Glob).ToList();
        DateTimeOffset? before = f.Values("before").Select(n => CreatedOf(images, images.Find(n))).Cast<DateTimeOffset?>().Min();
        DateTimeOffset? since = f.Values("since").Select(n => CreatedOf(images, images.Find(n))).Cast<DateTimeOffset?>().Max();
        var now = DateTimeOffset.UtcNow;
        DateTimeOffset? until = f.Values("until").Select(t => FilterArgs.ParseTime(t, now)).Cast<DateTimeOffset?>().Min();

        var result = new List<ImageSummary>();
        foreach (var image in images.List())
        {
            var summary = ImageEndpoints.Summary(images, image);
            if (dangling is { } d && d != (summary.RepoTags.Count == 0 && summary.RepoDigests.Count == 0)) continue;
            if (!f.Values("label").All(l => HasLabel(summary.Labels, l))) continue;
            var created = DateTimeOffset.FromUnixTimeSeconds(summary.Created);
            if (before is { } b && created >= b || since is { } s && created <= s || until is { } u && created >= u) continue;
            if (references.Count > 0)
            {
                summary.RepoTags = summary.RepoTags.Where(t => references.Any(r => Matches(r, t))).ToList();
                summary.RepoDigests = summary.RepoDigests.Where(t => references.Any(r => Matches(r, t))).ToList();
                if (summary.RepoTags.Count == 0 && summary.RepoDigests.Count == 0) continue;
            }
            result.Add(summary);
        }
        return http.WriteJson(result.OrderByDescending(s => s.Created).ToList(), ApiJsonContext.Default.ListImageSummary);
    }

    private static DateTimeOffset CreatedOf(ImageService images, ImageRecord image) =>
        DateTimeOffset.FromUnixTimeSeconds((images.ConfigOf(image).Created ?? image.Pulled).ToUnixTimeSeconds());

    private static bool HasLabel(Dictionary<string, string>? labels, string filter)
    {
        int eq = filter.IndexOf('=');
        return labels is not null && (eq < 0 ? labels.ContainsKey(filter) : labels.TryGetValue(filter[..eq], out var v) && v == filter[(eq + 1)..]);
    }

    /// <summary>A familiar reference ("busybox:latest", "busybox@sha256:...") matches by its whole text or by its name alone.</summary>
    private static bool Matches(Regex pattern, string familiar)
    {
        if (pattern.IsMatch(familiar)) return true;
        return ImageReference.TryParseNormalized(familiar, out var r) && pattern.IsMatch(r.FamiliarName);
    }

    /// <summary>A shell pattern as Go's path.Match reads it: * and ? never match '/', [...] is a class, \ escapes.</summary>
    private static Regex Glob(string pattern)
    {
        var re = new StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            switch (c)
            {
                case '*': re.Append("[^/]*"); break;
                case '?': re.Append("[^/]"); break;
                case '\\' when i + 1 < pattern.Length: re.Append(Regex.Escape(pattern[++i].ToString())); break;
                case '[':
                    int end = pattern.IndexOf(']', i + 1);
                    if (end < 0) throw new Core.BerthException(Core.ErrorKind.InvalidArgument, $"invalid reference filter \"{pattern}\"");
                    string cls = pattern[(i + 1)..end];
                    re.Append('[').Append(cls.StartsWith('^') ? "^" + cls[1..].Replace("\\", "\\\\") : cls.Replace("\\", "\\\\")).Append(']');
                    i = end;
                    break;
                default: re.Append(Regex.Escape(c.ToString())); break;
            }
        }
        return new Regex(re.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
