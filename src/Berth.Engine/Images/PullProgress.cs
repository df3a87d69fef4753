namespace Berth.Engine.Images;

/// <summary>Pull progress in Docker's vocabulary ("Pulling fs layer", "Downloading", "Pull complete"...).</summary>
public interface IPullProgress
{
    void Status(string status, string? id = null);
    void Progress(string status, string id, long current, long total);
    /// <summary>push's closing message: {"aux":{"Tag","Digest","Size"}}.</summary>
    void PushResult(string tag, string digest, long size) { }
}

/// <summary>
/// "Downloading" messages for one blob as it arrives, at most one per 100 ms: a message per network read
/// would flood the client, and docker's bars move at about this pace.
/// </summary>
internal sealed class DownloadReporter(IPullProgress progress, string id, long total)
{
    private static readonly long Every = System.Diagnostics.Stopwatch.Frequency / 10;
    private long _last;

    public void Written(long offset)
    {
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        if (now - _last < Every && offset < total) return;
        _last = now;
        progress.Progress("Downloading", id, offset, total);
    }
}
