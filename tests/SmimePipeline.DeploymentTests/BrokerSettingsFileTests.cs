namespace SmimePipeline.DeploymentTests;

/// <summary>
/// deploy/rabbitmq/rabbitmq-env.conf: the runtime flags of every broker SmimePipeline starts or documents, so that no
/// setting is measured by the bench that the laptop stack and operators do not get (docs/performance-log.md "Issue 17, session 10:
/// what the broker spends per mail"). That the test broker really runs with them is checked against the running node in the
/// integration tests (BrokerSettingsTests).
/// </summary>
public sealed class BrokerSettingsFileTests
{
    [Fact]
    public void Runtime_flags_file_gives_the_broker_a_super_carrier_and_nothing_else()
    {
        var flags = File.ReadAllLines(RepositoryPaths.Of("deploy", "rabbitmq", "rabbitmq-env.conf"))
            .Where(line => line.Trim().Length > 0 && !line.TrimStart().StartsWith('#'))
            .ToList();

        Assert.True(flags.Count == 1 && flags[0].StartsWith("SERVER_ADDITIONAL_ERL_ARGS=\"", StringComparison.Ordinal) && flags[0].EndsWith('"'),
            $"rabbitmq-env.conf should set SERVER_ADDITIONAL_ERL_ARGS=\"...\" and nothing else: {string.Join(" | ", flags)}");
        Assert.Matches(@"\+MMscs [1-9][0-9]*\b", flags[0]);
    }

    [Fact]
    public void Compose_broker_reads_the_runtime_flags_file()
    {
        var compose = File.ReadAllText(RepositoryPaths.Of("docker-compose.yml"));

        Assert.Contains("./deploy/rabbitmq/rabbitmq-env.conf:/etc/rabbitmq/rabbitmq-env.conf", compose, StringComparison.Ordinal);
        Assert.Contains("RABBITMQ_CONF_ENV_FILE: /etc/rabbitmq/rabbitmq-env.conf", compose, StringComparison.Ordinal);
    }

    [Fact]
    public void Test_script_broker_reads_the_runtime_flags_file()
    {
        var script = File.ReadAllText(RepositoryPaths.Of("scripts", "test.sh"));

        Assert.Contains("cp \"$REPO_ROOT/deploy/rabbitmq/rabbitmq-env.conf\" \"$dir/rabbitmq-env.conf\"", script, StringComparison.Ordinal);
        Assert.Contains("export RABBITMQ_CONF_ENV_FILE=\"$dir/rabbitmq-env.conf\"", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Operator_guide_names_the_runtime_flags_file()
    {
        var guide = File.ReadAllText(RepositoryPaths.Of("deploy", "README.md"));

        Assert.Contains("deploy/rabbitmq/rabbitmq-env.conf", guide, StringComparison.Ordinal);
    }
}
