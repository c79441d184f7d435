using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>
/// <c>rabbitmqctl</c> against the test node started by <c>scripts/test.sh</c> (<c>SMIME_TEST_RABBITMQ_NODE</c>, its
/// private epmd on <c>ERL_EPMD_PORT</c>). As root it runs as the <c>rabbitmq</c> user, who owns the Erlang cookie,
/// exactly as <c>scripts/test.sh</c> does. Stopping the application disturbs every client of the node: only tests in the
/// <see cref="BrokerChaosGroup"/> (which runs alone) may use them.
/// </summary>
public static class RabbitMqControl
{
    private const string Ctl = "/usr/lib/rabbitmq/bin/rabbitmqctl";

    /// <summary>Stops the RabbitMQ application; the Erlang node keeps running.</summary>
    public static Task StopAppAsync() => RunAsync("stop_app");

    /// <summary>Starts the RabbitMQ application again and waits until it serves.</summary>
    public static async Task StartAppAsync()
    {
        await RunAsync("start_app");
        await RunAsync("await_startup", "--timeout", "120");
    }

    /// <summary>
    /// Evaluates an Erlang expression on the node (<c>rabbitmqctl eval</c>) and returns what it printed; read-only
    /// expressions only, so that any test may use it.
    /// </summary>
    public static Task<string> EvalAsync(string expression) => RunAsync("eval", expression);

    private static async Task<string> RunAsync(params string[] arguments)
    {
        string[] args = ["-n", TestServices.RabbitMqNode, .. arguments];
        var asRoot = Environment.UserName == "root";
        var result = asRoot
            ? await ExternalTool.RunAsync("runuser", ["-u", "rabbitmq", "--", Ctl, .. args], timeout: TimeSpan.FromMinutes(3), workingDirectory: Path.GetTempPath())
            : await ExternalTool.RunAsync(Ctl, args, timeout: TimeSpan.FromMinutes(3), workingDirectory: Path.GetTempPath());
        Assert.True(result.ExitCode == 0, $"rabbitmqctl {string.Join(' ', arguments)} failed: {result.Describe()}");
        return result.StdoutText;
    }
}
