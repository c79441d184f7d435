using System.Net;
using System.Net.Sockets;
using SmimePipeline.IntegrationTests.Infrastructure;

namespace SmimePipeline.IntegrationTests.Cli;

/// <summary>
/// Session 18: with <c>--json</c>, stdout is the JSON alone, for scripts/bench.sh and the A/B scripts to parse; logs go to
/// stderr. Session 17 found <c>bench pipeline --json</c> writing its host's log ("Hosting failed to start", with the stack)
/// to stdout when the broker could not be reached: the console logger's default. Now a run that cannot start prints nothing
/// on stdout, the one-line error and the log on stderr, and exits non-zero.
/// </summary>
public sealed class BenchJsonStdoutTests
{
    [Theory]
    [InlineData("pipeline", "--messages 1 --warmup 0")]
    [InlineData("confirm", "--in-flight 1 --seconds 1 --warmup 0")]
    public async Task A_bench_whose_host_cannot_start_prints_nothing_on_stdout_and_its_log_on_stderr(string bench, string options)
    {
        var broker = $"amqp://guest:guest@127.0.0.1:{PortWithNothingListening()}/";

        var result = await SmimeCli.RunAsync(["bench", bench, "--rabbitmq", broker, .. options.Split(' '), "--json"]);

        Assert.True(result.ExitCode != 0, result.Describe());
        Assert.True(result.StdoutText.Length == 0, $"stdout is not empty:\n{result.StdoutText}");
        Assert.Contains("cannot reach or use the broker", result.Stderr, StringComparison.Ordinal);
    }

    // A loopback port that was free a moment ago and that nothing listens on now: connecting is refused at once.
    private static int PortWithNothingListening()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
