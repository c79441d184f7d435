using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SmimePipeline.Testing;

/// <summary>
/// Loopback ports for servers a test starts, chosen so that no other process can take them first. A port "that was free
/// a moment ago" (bind port 0, read it, release it) comes from the kernel's ephemeral range, which the kernel hands out
/// again to any process's next <c>bind(0)</c> or outgoing connection; on a loaded machine with several test runs that
/// happens between the release and the server's own bind. So: a server that can bind port 0 itself does, and the test
/// reads the port it chose (<see cref="WaitForListeningTcpPortAsync"/>); a server that needs its port named in advance
/// gets one outside the ephemeral range (<see cref="Unassigned"/>), which the kernel never hands out.
/// </summary>
public static class LoopbackPorts
{
    // Below this are the well-known and registered services' usual ports.
    private const int Lowest = 10_000;

    /// <summary>
    /// A loopback port outside the kernel's ephemeral range (<c>/proc/sys/net/ipv4/ip_local_port_range</c>) on which
    /// nothing listens or is bound now, for TCP and UDP. The kernel never gives such a port to a <c>bind(0)</c> or an
    /// outgoing connection, so only a program that picks port numbers itself could take it before the caller binds it.
    /// </summary>
    public static int Unassigned()
    {
        var (ephemeralLow, ephemeralHigh) = EphemeralRange();
        var below = Math.Max(0, ephemeralLow - Lowest);
        var above = Math.Max(0, 65_535 - ephemeralHigh);
        if (below + above < 1_000)
        {
            // A machine whose ephemeral range covers nearly everything: any port above Lowest, checked free as below.
            (below, above) = (65_536 - Lowest, 0);
        }

        for (var attempt = 0; attempt < 500; attempt++)
        {
            var pick = Random.Shared.Next(below + above);
            var port = pick < below ? Lowest + pick : ephemeralHigh + 1 + (pick - below);
            if (IsFree(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException("No free loopback port outside the ephemeral range in 500 tries.");
    }

    /// <summary>The TCP ports on which <paramref name="processId"/> listens (Linux: its socket descriptors in /proc/net/tcp and tcp6).</summary>
    public static IReadOnlyList<int> ListeningTcpPortsOf(int processId)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var fd in System.IO.Directory.EnumerateFileSystemEntries($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/fd"))
        {
            string? target;
            try
            {
                target = new FileInfo(fd).LinkTarget;
            }
            catch (FileNotFoundException)
            {
                // A descriptor closed while we enumerate them: it is not a listener any more.
                continue;
            }

            if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
            {
                inodes.Add(target["socket:[".Length..^1]);
            }
        }

        var ports = new SortedSet<int>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                const string Listen = "0A";
                if (fields.Length > 9 && fields[3] == Listen && inodes.Contains(fields[9]))
                {
                    var local = fields[1];
                    ports.Add(int.Parse(local.AsSpan(local.LastIndexOf(':') + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                }
            }
        }

        return [.. ports];
    }

    /// <summary>
    /// Waits until <paramref name="process"/>, started on port 0, listens on exactly one TCP port, and returns it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The process exited, listens on several ports, or did not listen within <paramref name="timeout"/>.</exception>
    public static async Task<int> WaitForListeningTcpPortAsync(Process process, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(process);
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{what} exited with {process.ExitCode} before it listened on a port.");
            }

            IReadOnlyList<int> ports;
            try
            {
                ports = ListeningTcpPortsOf(process.Id);
            }
            catch (DirectoryNotFoundException) when (process.HasExited)
            {
                // Gone between the check above and the read of its descriptors: the next turn says it exited.
                continue;
            }

            switch (ports.Count)
            {
                case 1:
                    return ports[0];
                case > 1:
                    throw new InvalidOperationException($"{what} listens on several ports ({string.Join(", ", ports)}): which one is meant?");
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{what} (pid {process.Id}) did not listen on a TCP port within {timeout.TotalSeconds:0} s.");
            }

            await Task.Delay(50);
        }
    }

    private static (int Low, int High) EphemeralRange()
    {
        var fields = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return (int.Parse(fields[0], CultureInfo.InvariantCulture), int.Parse(fields[1], CultureInfo.InvariantCulture));
    }

    private static bool IsFree(int port)
    {
        foreach (var type in new[] { (SocketType.Stream, ProtocolType.Tcp), (SocketType.Dgram, ProtocolType.Udp) })
        {
            using var socket = new Socket(AddressFamily.InterNetwork, type.Item1, type.Item2);
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
            {
                return false;
            }
        }

        return true;
    }
}
