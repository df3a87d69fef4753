using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Berth.Daemon.Tests;

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of a registry: answers flow back at a set rate, so a pull can be caught
/// mid-download; it counts the bytes it relays back and keeps the request heads it saw (to find Range headers).
/// </summary>
public sealed class ThrottlingProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _upstreamHost;
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly StringBuilder _requests = new();
    private long _bytesToClient;

    public ThrottlingProxy(string upstream)
    {
        _upstreamHost = upstream.Split(':')[0];
        _upstreamPort = int.Parse(upstream.Split(':')[1]);
        _listener.Start();
        _ = AcceptLoop();
    }

    public string HostPort => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Bytes per second from the registry to the client; 0 for no limit.</summary>
    public long BytesPerSecond { get; set; }

    public long BytesToClient => Interlocked.Read(ref _bytesToClient);

    public string Requests { get { lock (_requests) return _requests.ToString(); } }

    public void ResetCounters()
    {
        Interlocked.Exchange(ref _bytesToClient, 0);
        lock (_requests) _requests.Clear();
    }

    private async Task AcceptLoop()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = Relay(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { }
    }

    private async Task Relay(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(_upstreamHost, _upstreamPort, _stop.Token);
                var up = Pump(client.GetStream(), upstream.GetStream(), toClient: false);
                var down = Pump(upstream.GetStream(), client.GetStream(), toClient: true);
                await Task.WhenAny(up, down);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException) { }
        }
    }

    private async Task Pump(Stream from, Stream to, bool toClient)
    {
        byte[] buffer = new byte[16 * 1024];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer, _stop.Token)) > 0)
            {
                if (!toClient)
                {
                    lock (_requests) _requests.Append(Encoding.Latin1.GetString(buffer, 0, n));
                }
                else if (BytesPerSecond > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)n / BytesPerSecond), _stop.Token);
                }
                await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
                if (toClient) Interlocked.Add(ref _bytesToClient, n);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException) { }
        finally
        {
            try { to.Close(); } catch (IOException) { }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
