namespace SmimePipeline.DeploymentTests;

/// <summary>
/// deploy/rabbitmq/throughput.conf and rabbitmq-env.conf: one file of broker settings and one of runtime flags for every
/// broker SmimePipeline starts or documents, so
/// that no setting is measured by the bench that the laptop stack and operators do not get (README "Issue 17, session
/// 10: what the broker spends per mail"). The test broker's use of it is checked against the running node in the
/// integration tests (BrokerSettingsTests).
/// </summary>
public sealed class BrokerSettingsFileTests
{
    private static readonly string SettingsFile = RepositoryPaths.Of("deploy", "rabbitmq", "throughput.conf");

    [Fact]
    public void Settings_file_holds_only_rabbitmq_conf_assignments_and_turns_message_rates_off()
    {
        var assignments = File.ReadAllLines(SettingsFile)
            .Select((line, index) => (Line: line.Trim(), Number: index + 1))
            .Where(l => l.Line.Length > 0 && !l.Line.StartsWith('#'))
            .ToList();

        Assert.All(assignments, l => Assert.True(
            l.Line.Split('=', 2) is [var key, var value] && key.Trim().Length > 0 && !key.Trim().Contains(' ', StringComparison.Ordinal) && value.Trim().Length > 0,
            $"throughput.conf line {l.Number} is not a 'key = value' line of rabbitmq.conf: '{l.Line}'"));
        Assert.Contains(assignments, l => l.Line.Replace(" ", string.Empty, StringComparison.Ordinal) == "management.rates_mode=none");
    }

    [Fact]
    public void Compose_broker_mounts_the_settings_file_into_its_conf_d()
    {
        var compose = File.ReadAllText(RepositoryPaths.Of("docker-compose.yml"));

        Assert.Contains("./deploy/rabbitmq/throughput.conf:/etc/rabbitmq/conf.d/", compose, StringComparison.Ordinal);
    }

    [Fact]
    public void Test_script_broker_appends_the_settings_file_to_its_rabbitmq_conf()
    {
        var script = File.ReadAllText(RepositoryPaths.Of("scripts", "test.sh"));

        Assert.Contains("cat \"$REPO_ROOT/deploy/rabbitmq/throughput.conf\" >>\"$RABBITMQ_CONFIG_FILE\"", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Runtime_flags_file_gives_the_broker_a_super_carrier_and_every_broker_reads_it()
    {
        var flags = File.ReadAllLines(RepositoryPaths.Of("deploy", "rabbitmq", "rabbitmq-env.conf"))
            .Where(line => line.Length > 0 && !line.TrimStart().StartsWith('#'))
            .ToList();
        Assert.True(flags.Count == 1 && flags[0].StartsWith("SERVER_ADDITIONAL_ERL_ARGS=\"", StringComparison.Ordinal) && flags[0].EndsWith('"'),
            $"rabbitmq-env.conf should set SERVER_ADDITIONAL_ERL_ARGS=\"...\" and nothing else: {string.Join(" | ", flags)}");
        Assert.Matches(@"\+MMscs [1-9][0-9]*\b", flags[0]);

        var compose = File.ReadAllText(RepositoryPaths.Of("docker-compose.yml"));
        Assert.Contains("./deploy/rabbitmq/rabbitmq-env.conf:/etc/rabbitmq/rabbitmq-env.conf", compose, StringComparison.Ordinal);
        Assert.Contains("RABBITMQ_CONF_ENV_FILE: /etc/rabbitmq/rabbitmq-env.conf", compose, StringComparison.Ordinal);

        var script = File.ReadAllText(RepositoryPaths.Of("scripts", "test.sh"));
        Assert.Contains("cp \"$REPO_ROOT/deploy/rabbitmq/rabbitmq-env.conf\" \"$dir/rabbitmq-env.conf\"", script, StringComparison.Ordinal);
        Assert.Contains("export RABBITMQ_CONF_ENV_FILE=\"$dir/rabbitmq-env.conf\"", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Operator_guide_names_the_settings_file()
    {
        var guide = File.ReadAllText(RepositoryPaths.Of("deploy", "README.md"));

        Assert.Contains("deploy/rabbitmq/throughput.conf", guide, StringComparison.Ordinal);
        Assert.Contains("deploy/rabbitmq/rabbitmq-env.conf", guide, StringComparison.Ordinal);
    }
}
