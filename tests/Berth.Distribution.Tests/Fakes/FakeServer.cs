using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Berth.Distribution.Tests.Fakes;

/// <summary>What a fake server saw of one request.</summary>
public sealed record SeenRequest(string Method, string PathAndQuery, string? Authorization, string? Range, string? Accept, string? ContentType, string? ContentRange, byte[] Body);

/// <summary>
/// An HTTP server on a loopback address (System.Net.HttpListener), answering with a handler the test sets,
/// and recording every request.
/// </summary>
public sealed class FakeServer : IDisposable
{
    private readonly HttpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public string Host { get; }
    public int Port { get; }
    /// <summary>host:port, as a registry is named in references.</summary>
    public string Authority => $"{Host}:{Port}";
    public Uri BaseUri => new($"http://{Authority}/");
    public ConcurrentQueue<SeenRequest> Requests { get; } = new();

    /// <summary>Answers each request; an exception becomes a 500.</summary>
    public Func<HttpListenerContext, SeenRequest, Task> Handler { get; set; } = (ctx, _) =>
    {
        ctx.Response.StatusCode = 404;
        ctx.Response.Close();
        return Task.CompletedTask;
    };

    public FakeServer(string host = "127.0.0.1")
    {
        Host = host;
        for (int attempt = 0; ; attempt++)
        {
            int port = FreePort(host);
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://{host}:{port}/");
            try
            {
                listener.Start();
                _listener = listener;
                Port = port;
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
        _loop = Task.Run(LoopAsync);
    }

    private static int FreePort(string host)
    {
        using var probe = new TcpListener(IPAddress.Parse(host), 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(ctx));
        }
    }

    private async Task ServeAsync(HttpListenerContext ctx)
    {
        try
        {
            using var body = new MemoryStream();
            if (ctx.Request.HasEntityBody) await ctx.Request.InputStream.CopyToAsync(body).ConfigureAwait(false);
            var seen = new SeenRequest(ctx.Request.HttpMethod, ctx.Request.Url!.PathAndQuery, ctx.Request.Headers["Authorization"],
                ctx.Request.Headers["Range"], ctx.Request.Headers["Accept"], ctx.Request.ContentType, ctx.Request.Headers["Content-Range"], body.ToArray());
            Requests.Enqueue(seen);
            await Handler(ctx, seen).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            try
            {
                ctx.Response.StatusCode = 500;
                byte[] msg = Encoding.UTF8.GetBytes(e.ToString());
                ctx.Response.OutputStream.Write(msg);
                ctx.Response.Close();
            }
            catch (Exception)
            {
                // The response may be gone already.
            }
        }
    }

    public int Count(string method, string pathPrefix) => Requests.Count(r => r.Method == method && r.PathAndQuery.StartsWith(pathPrefix, StringComparison.Ordinal));

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            // Close alone: after Stop, Close looks the endpoint up again and, not finding it, binds the port anew,
            // which fails with "Address already in use" once a parallel test has taken the port.
            _listener.Close();
        }
        catch (Exception e) when (e is ObjectDisposedException or HttpListenerException)
        {
        }
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    // Response helpers.

    public static async Task Send(HttpListenerContext ctx, int status, byte[] body, string? contentType = null, params (string Name, string Value)[] headers)
    {
        HttpListenerResponse r = ctx.Response;
        r.StatusCode = status;
        if (contentType is not null) r.ContentType = contentType;
        foreach ((string name, string value) in headers) r.AddHeader(name, value);
        if (ctx.Request.HttpMethod == "HEAD")
        {
            r.ContentLength64 = body.Length;
            r.Close();
            return;
        }
        r.ContentLength64 = body.Length;
        await r.OutputStream.WriteAsync(body).ConfigureAwait(false);
        r.Close();
    }

    public static Task SendJson(HttpListenerContext ctx, int status, string json, params (string Name, string Value)[] headers)
        => Send(ctx, status, Encoding.UTF8.GetBytes(json), "application/json", headers);

    public static Task SendError(HttpListenerContext ctx, int status, string code, string message, params (string Name, string Value)[] headers)
        => SendJson(ctx, status, $$"""{"errors":[{"code":"{{code}}","message":"{{message}}","detail":null}]}""", headers);

    /// <summary>Declares <paramref name="declared"/> bytes, sends <paramref name="body"/>, then drops the connection.</summary>
    public static async Task SendTruncated(HttpListenerContext ctx, int status, byte[] body, long declared, params (string Name, string Value)[] headers)
    {
        HttpListenerResponse r = ctx.Response;
        r.StatusCode = status;
        foreach ((string name, string value) in headers) r.AddHeader(name, value);
        r.ContentLength64 = declared;
        await r.OutputStream.WriteAsync(body).ConfigureAwait(false);
        await r.OutputStream.FlushAsync().ConfigureAwait(false);
        r.Abort();
    }

    /// <summary>Sends with chunked transfer encoding (no Content-Length), in pieces.</summary>
    public static async Task SendChunked(HttpListenerContext ctx, int status, byte[] body, string? contentType = null, params (string Name, string Value)[] headers)
    {
        HttpListenerResponse r = ctx.Response;
        r.StatusCode = status;
        r.SendChunked = true;
        if (contentType is not null) r.ContentType = contentType;
        foreach ((string name, string value) in headers) r.AddHeader(name, value);
        try
        {
            for (int i = 0; i < body.Length; i += 64 * 1024)
                await r.OutputStream.WriteAsync(body.AsMemory(i, Math.Min(64 * 1024, body.Length - i))).ConfigureAwait(false);
            r.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client hung up, as it should when the body is too large.
        }
    }
}
