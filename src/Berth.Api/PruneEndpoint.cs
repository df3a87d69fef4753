using System.Text.Json.Serialization;
using Berth.Engine.Images;
using Microsoft.AspNetCore.Http;

namespace Berth.Api;

/// <summary>docker image prune: POST /images/prune?filters= with dangling, until, label and label! filters.</summary>
internal static class PruneEndpoint
{
    public static Task Prune(HttpContext http, ImageService images)
    {
        var f = FilterArgs.Parse(http.Request.Query["filters"].ToString(), "dangling", "until", "label", "label!");
        var now = DateTimeOffset.UtcNow;
        DateTimeOffset? until = f.Values("until") switch
        {
            { Count: 0 } => null,
            { Count: 1 } one => FilterArgs.ParseTime(one.First(), now),
            _ => throw new Core.BerthException(Core.ErrorKind.InvalidArgument, "invalid filter 'until': more than one value"),
        };
        var labels = f.Values("label").Select(l => LabelFilter.Parse(l, negated: false))
            .Concat(f.Values("label!").Select(l => LabelFilter.Parse(l, negated: true))).ToList();
        var report = images.Prune(new PruneFilter(f.Bool("dangling") ?? true, until, labels));
        return http.WriteJson(new ImagePruneResponse
        {
            ImagesDeleted = report.Removed.Select(r => r.Kind == "Untagged" ? new DeleteItem { Untagged = r.Value } : new DeleteItem { Deleted = r.Value }).ToList(),
            SpaceReclaimed = report.SpaceReclaimed,
        }, ApiJsonContext.Default.ImagePruneResponse);
    }
}

/// <summary>POST /images/prune's answer (moby image.PruneReport); ImagesDeleted is null when nothing was removed.</summary>
public sealed class ImagePruneResponse
{
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public List<DeleteItem>? ImagesDeleted { get; set; }
    public long SpaceReclaimed { get; set; }
}
