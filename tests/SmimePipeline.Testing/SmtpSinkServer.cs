using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SmimePipeline.Testing;

/// <summary>
/// A private smtp-sink started by a test, for behaviours the shared one must not have: e.g.
/// <c>-f RCPT</c> refuses every recipient with 5xx, <c>-r RCPT</c> with 4xx, <c>-Q MAIL</c>
/// answers 421 and disconnects (see <c>man smtp-sink</c>). It discards messages (no dump).
/// Stopped (killed) on dispose.
/// </summary>
public sealed class SmtpSinkServer : IAsyncDisposable
{
    private readonly Process _process;

    private SmtpSinkServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    /// <summary>Always loopback.</summary>
    public static string Host => "127.0.0.1";

    /// <summary>The port it listens on.</summary>
    public int Port { get; }

    /// <summary>
    /// Starts smtp-sink with <paramref name="options"/> on a loopback port it binds itself (port 0: the kernel picks one
    /// and nobody can take it between the choice and the bind), reads that port, and waits for its 220 greeting.
    /// </summary>
    /// <exception cref="InvalidOperationException">smtp-sink is not installed or did not start.</exception>
    public static async Task<SmtpSinkServer> StartAsync(params string[] options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var startInfo = new ProcessStartInfo("smtp-sink") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        if (Environment.UserName == "root")
        {
            // As root smtp-sink insists on dropping privileges.
            startInfo.ArgumentList.Add("-u");
            startInfo.ArgumentList.Add("postfix");
        }

        foreach (var option in options)
        {
            startInfo.ArgumentList.Add(option);
        }

        startInfo.ArgumentList.Add($"{Host}:0");
        startInfo.ArgumentList.Add("10");
        Process process;
        try
        {
            process = Process.Start(startInfo) ?? throw new InvalidOperationException("smtp-sink did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("smtp-sink (Debian package postfix) is not installed: run the tests through scripts/test.sh.", e);
        }

        int port;
        try
        {
            port = await LoopbackPorts.WaitForListeningTcpPortAsync(process, TimeSpan.FromSeconds(60), "smtp-sink");
        }
        catch (InvalidOperationException e)
        {
            var error = process.HasExited ? await process.StandardError.ReadToEndAsync() : string.Empty;
            await new SmtpSinkServer(process, 0).DisposeAsync();
            throw new InvalidOperationException($"{e.Message} {error}", e);
        }

        var server = new SmtpSinkServer(process, port);
        try
        {
            await server.WaitForGreetingAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task WaitForGreetingAsync()
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (_process.HasExited)
            {
                var error = await _process.StandardError.ReadToEndAsync();
                throw new InvalidOperationException($"smtp-sink exited with {_process.ExitCode}: {error}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                using var reader = new StreamReader(client.GetStream());
                var greeting = await reader.ReadLineAsync();
                if (greeting?.StartsWith("220", StringComparison.Ordinal) == true)
                {
                    return;
                }
            }
            catch (SocketException) when (DateTimeOffset.UtcNow < deadline)
            {
                // Not listening yet.
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new InvalidOperationException($"smtp-sink on port {Port} sent no 220 greeting within 60 s.");
            }

            await Task.Delay(100);
        }
    }
}
