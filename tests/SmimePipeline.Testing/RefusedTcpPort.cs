using System.Net;
using System.Net.Sockets;

namespace SmimePipeline.Testing;

/// <summary>
/// A loopback TCP port on which every connection is refused for as long as this lives: a socket bound to it that never
/// listens, so no other process can start listening there in the meantime (a port merely found free and released can be
/// taken by anyone, and a test that expects "connection refused" then talks to a stranger).
/// </summary>
public sealed class RefusedTcpPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    /// <summary>Binds a port the kernel chooses.</summary>
    public RefusedTcpPort()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    /// <summary>The port.</summary>
    public int Port { get; }

    /// <inheritdoc />
    public void Dispose() => _socket.Dispose();
}
