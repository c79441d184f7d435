namespace SmimePipeline.Testing;

/// <summary>
/// Where the real servers started by <c>scripts/test.sh</c> listen. Each property reads its
/// environment variable; when it is missing the property throws, so a test that needs the
/// server fails with an explanation instead of being skipped.
/// </summary>
public static class TestServices
{
    /// <summary>AMQP URI of the private RabbitMQ node (<c>SMIME_TEST_RABBITMQ_URI</c>).</summary>
    public static Uri RabbitMqUri => new(Require("SMIME_TEST_RABBITMQ_URI"));

    /// <summary>HTTP base URI of the RabbitMQ management API (<c>SMIME_TEST_RABBITMQ_MANAGEMENT_URI</c>).</summary>
    public static Uri RabbitMqManagementUri => new(Require("SMIME_TEST_RABBITMQ_MANAGEMENT_URI"));

    /// <summary>Erlang node name of the private RabbitMQ node, for <c>rabbitmqctl -n</c> (<c>SMIME_TEST_RABBITMQ_NODE</c>).</summary>
    public static string RabbitMqNode => Require("SMIME_TEST_RABBITMQ_NODE");

    /// <summary>Host of the smtp-sink SMTP server (<c>SMIME_TEST_SMTP_HOST</c>).</summary>
    public static string SmtpHost => Require("SMIME_TEST_SMTP_HOST");

    /// <summary>Port of the smtp-sink SMTP server (<c>SMIME_TEST_SMTP_PORT</c>).</summary>
    public static int SmtpPort => int.Parse(Require("SMIME_TEST_SMTP_PORT"), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Directory into which smtp-sink dumps every received message (<c>SMIME_TEST_SMTP_DIR</c>).</summary>
    public static string SmtpDirectory => Require("SMIME_TEST_SMTP_DIR");

    /// <summary>Npgsql connection string of the private PostgreSQL database <c>smime_test</c> (<c>SMIME_TEST_POSTGRES</c>).</summary>
    public static string PostgresConnectionString => Require("SMIME_TEST_POSTGRES");

    private static string Require(string name)
    {
        var value = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                $"{name} is not set: run the tests through scripts/test.sh, which starts RabbitMQ, " +
                "PostgreSQL and smtp-sink on free loopback ports and exports their addresses " +
                "(or run `scripts/test.sh --services-only` and paste its export lines into your shell or IDE).");
        }

        return value;
    }
}
