namespace Berth.Engine.Images;

/// <summary>Pull progress in Docker's vocabulary ("Pulling fs layer", "Downloading", "Pull complete"...).</summary>
public interface IPullProgress
{
    void Status(string status, string? id = null);
    void Progress(string status, string id, long current, long total);
    /// <summary>push's closing message: {"aux":{"Tag","Digest","Size"}}.</summary>
    void PushResult(string tag, string digest, long size) { }
}
