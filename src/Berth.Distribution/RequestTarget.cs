namespace Berth.Distribution;

/// <summary>What a request is about, for error messages: "fetching manifest 127.0.0.1:5000/test/busybox:latest".</summary>
internal sealed record RequestTarget(string Operation, string Registry, string? Repository, string? Reference)
{
    public override string ToString()
    {
        if (Repository is null) return Registry;
        if (Reference is null) return $"{Registry}/{Repository}";
        return Reference.Contains(':') ? $"{Registry}/{Repository}@{Reference}" : $"{Registry}/{Repository}:{Reference}";
    }
}
