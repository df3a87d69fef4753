using System.Buffers;

namespace Berth.Core;

/// <summary>Container IDs as runc accepts them: [A-Za-z0-9_+\-.]{1,1024}, never "." or "..".</summary>
public static class ContainerId
{
    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-.");

    public static bool IsValid(string id) =>
        id.Length is > 0 and <= 1024 && id is not "." and not ".." && !id.AsSpan().ContainsAnyExcept(Allowed);

    public static string Validate(string? id)
    {
        if (string.IsNullOrEmpty(id)) throw new BerthException(ErrorKind.InvalidArgument, "container id cannot be empty");
        if (!IsValid(id)) throw new BerthException(ErrorKind.InvalidArgument, $"invalid container ID format: {id}");
        return id;
    }
}
