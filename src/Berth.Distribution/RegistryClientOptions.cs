namespace Berth.Distribution;

/// <summary>Settings for one registry host, overriding the client-wide defaults.</summary>
public sealed record RegistryHostSettings
{
    /// <summary>
    /// "https" or "http"; null picks https, except plain http for loopback hosts (localhost,
    /// 127.0.0.0/8, ::1) and for insecure registries.
    /// </summary>
    public string? Scheme { get; init; }

    /// <summary>
    /// Marks the registry insecure: plain http is used, and credentials may be sent over it even
    /// though the host is not loopback. Off by default.
    /// </summary>
    public bool Insecure { get; init; }

    /// <summary>Credentials for this registry; when null the client's <see cref="RegistryClientOptions.Credentials"/> provider is asked.</summary>
    public RegistryCredentials? Credentials { get; init; }

    /// <summary>How long to wait for response headers; null for the client default.</summary>
    public TimeSpan? RequestTimeout { get; init; }

    /// <summary>How long a body read may stall; null for the client default.</summary>
    public TimeSpan? ReadTimeout { get; init; }
}

/// <summary>Client-wide settings. Hosts are written as in image references: host[:port].</summary>
public sealed class RegistryClientOptions
{
    /// <summary>Per-registry settings, keyed by host[:port] (case-insensitive).</summary>
    public Dictionary<string, RegistryHostSettings> Registries { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Registries (host[:port]) to treat as insecure, as Docker's <c>insecure-registries</c>.</summary>
    public HashSet<string> InsecureRegistries { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Asked for credentials when a registry's settings carry none; null means anonymous.</summary>
    public IRegistryCredentialProvider? Credentials { get; set; }

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long to wait for response headers, per request.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a body read may stall before the transfer counts as failed (no total limit on blobs).</summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Attempts per operation for transient failures (connection errors, 5xx, 429, timeouts).</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>First backoff delay; doubled per attempt, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A 429 or 503 asking to wait longer than this fails at once instead of sleeping.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Largest manifest or index accepted (security case 3B-12 / 3E-26: containers/image uses 4 MiB).</summary>
    public int MaxManifestSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest blob <see cref="RegistryClient.ReadBlobAsync"/> reads into memory (image configs).</summary>
    public int MaxConfigSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Most layers a manifest may list (security case 3E-27; Docker's limit is 125).</summary>
    public int MaxLayers { get; set; } = 125;

    /// <summary>Blobs up to this size are uploaded in one PUT; larger ones in PATCH chunks of this size.</summary>
    public int UploadChunkSize { get; set; } = 16 * 1024 * 1024;

    public string UserAgent { get; set; } = "berth/0.1";
}
