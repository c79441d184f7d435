using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace SmimePipeline.Testing;

/// <summary>
/// A real DNS server for a test: <c>dnsmasq</c> in the foreground on a free loopback port, answering only the
/// TXT records it was given (<c>--no-resolv --no-hosts</c>), stopped by its pid on dispose. Installed by
/// <c>scripts/test.sh</c> (package <c>dnsmasq-base</c>); a missing binary fails the test.
/// </summary>
public sealed class DnsmasqServer : IAsyncDisposable
{
    /// <summary>Where Debian's <c>dnsmasq-base</c> installs it.</summary>
    public const string Binary = "/usr/sbin/dnsmasq";

    private readonly Process _process;

    private DnsmasqServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    /// <summary>The UDP and TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary><c>127.0.0.1:port</c>, as <c>SmimePipeline:Harvest:DnsServer</c> takes it.</summary>
    public string Endpoint => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Starts dnsmasq serving <paramref name="txtRecords"/> (name, strings of one record: each string at most
    /// 255 characters) and waits until it answers on its port.
    /// </summary>
    public static async Task<DnsmasqServer> StartAsync(IEnumerable<(string Name, IReadOnlyList<string> Strings)> txtRecords)
    {
        ArgumentNullException.ThrowIfNull(txtRecords);
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: scripts/test.sh installs dnsmasq-base.");
        }

        // dnsmasq cannot bind port 0 (it means "no DNS"): a port the kernel never hands out to anyone else.
        int port = LoopbackPorts.Unassigned();
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--keep-in-foreground", "--no-resolv", "--no-hosts", "--no-daemon", "--conf-file=/dev/null", "--pid-file=",
            "--bind-interfaces", "--listen-address=127.0.0.1", "--log-facility=-", $"--port={port.ToString(CultureInfo.InvariantCulture)}",
        })
        {
            start.ArgumentList.Add(arg);
        }

        if (Environment.UserName == "root")
        {
            start.ArgumentList.Add("--user=nobody");
        }

        foreach (var (name, strings) in txtRecords)
        {
            if (strings.Any(s => s.Length > 255 || s.Contains(',', StringComparison.Ordinal)))
            {
                throw new ArgumentException("A TXT string must be at most 255 characters without commas.", nameof(txtRecords));
            }

            start.ArgumentList.Add($"--txt-record={name},{string.Join(',', strings)}");
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dnsmasq did not start.");
        var server = new DnsmasqServer(process, port);
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"dnsmasq exited with code {process.ExitCode}: {await process.StandardError.ReadToEndAsync()}");
            }

            try
            {
                // dnsmasq answers on TCP as well: a connection means it is listening.
                using var tcp = new TcpClient();
                await tcp.ConnectAsync("127.0.0.1", port);
                return server;
            }
            catch (SocketException) when (DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Splits a long TXT value into strings of at most 255 characters (RFC 1035 §3.3.14).</summary>
    public static IReadOnlyList<string> Split(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var parts = new List<string>();
        for (int i = 0; i < value.Length; i += 250)
        {
            parts.Add(value.Substring(i, Math.Min(250, value.Length - i)));
        }

        return parts;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
