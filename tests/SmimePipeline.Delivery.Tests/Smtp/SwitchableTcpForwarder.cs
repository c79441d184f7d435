using System.Net;
using System.Net.Sockets;

namespace SmimePipeline.Delivery.Tests.Smtp;

/// <summary>
/// A loopback TCP forwarder whose target can be switched between connections, so one transport
/// (one host and port) can meet a refusing smtp-sink first and an accepting one afterwards.
/// </summary>
internal sealed class SwitchableTcpForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public SwitchableTcpForwarder(int targetPort)
    {
        TargetPort = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Where new connections go; connections already open keep their target.</summary>
    public int TargetPort { get; set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = PumpAsync(client, TargetPort);
        }
    }

    private async Task PumpAsync(TcpClient client, int targetPort)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            await upstream.ConnectAsync(IPAddress.Loopback, targetPort, _stop.Token);
            var a = client.GetStream();
            var b = upstream.GetStream();
            // Whichever side closes first ends the pair; the other copy then fails and is done too.
            await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token));
        }
    }
}
