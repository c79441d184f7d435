using System.Net;
using System.Net.Sockets;

namespace SmimePipeline.Testing;

/// <summary>
/// A loopback TCP forwarder whose target can be switched between connections, so one transport
/// (one host and port) can meet a refusing smtp-sink first and an accepting one afterwards; or,
/// made with no target, a port on which connections are refused (bound, not listening: nobody else
/// can take it) until a server is started on a port of its own and the forwarder pointed at it.
/// </summary>
public sealed class SwitchableTcpForwarder : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private Task _accepting = Task.CompletedTask;
    private int _targetPort; // 0: none yet

    /// <summary>Forwards to <paramref name="targetPort"/>, or, when it is <see langword="null"/>, refuses connections until <see cref="TargetPort"/> is set.</summary>
    public SwitchableTcpForwarder(int? targetPort)
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
        TargetPort = targetPort;
    }

    /// <summary>The port clients connect to.</summary>
    public int Port { get; }

    /// <summary>
    /// Where new connections go; connections already open keep their target. <see langword="null"/> only before the
    /// first target: once the forwarder listens it stays listening.
    /// </summary>
    public int? TargetPort
    {
        get => Volatile.Read(ref _targetPort) is var port and not 0 ? port : null;
        set
        {
            lock (_gate)
            {
                if (value is null)
                {
                    if (_targetPort != 0)
                    {
                        throw new InvalidOperationException("A forwarder that listens cannot go back to refusing connections.");
                    }

                    return;
                }

                var first = _targetPort == 0;
                Volatile.Write(ref _targetPort, value.Value);
                if (first)
                {
                    _socket.Listen(100);
                    _accepting = AcceptAsync();
                }
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _socket.AcceptAsync(_stop.Token);
            _ = PumpAsync(client, TargetPort!.Value);
        }
    }

    private async Task PumpAsync(Socket client, int targetPort)
    {
        using (var downstream = new NetworkStream(client, ownsSocket: true))
        using (var upstream = new TcpClient())
        {
            await upstream.ConnectAsync(IPAddress.Loopback, targetPort, _stop.Token);
            var b = upstream.GetStream();
            // Whichever side closes first ends the pair; the other copy then fails and is done too.
            await Task.WhenAny(downstream.CopyToAsync(b, _stop.Token), b.CopyToAsync(downstream, _stop.Token));
        }
    }
}
