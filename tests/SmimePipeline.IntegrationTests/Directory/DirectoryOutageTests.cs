using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using SmimePipeline.CertificateDirectory;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;

namespace SmimePipeline.IntegrationTests.CertificateDirectory;

/// <summary>
/// Session 12: a signer whose PostgreSQL recipient directory goes away. Before, the look-up's Npgsql exception had the
/// three short retries (≈ 6 s) and the mail went to <c>smime-protect_error</c> as <c>unexpected-error</c>. On a PostgreSQL
/// of the test's own that the test stops and starts (<see cref="PrivatePostgres"/>), real RabbitMQ, the in-process signer
/// and sender: the mail waits through the outage (one warning per wait naming the directory, never its password) and is
/// delivered after it; with a short <c>Signer:DirectoryUnavailableRetryPeriod</c> it is dead-lettered as
/// <c>directory-unavailable</c> with event, one log line, metric and fault header; and a directory failure that needs an
/// operator (its table dropped) is not waited for.
/// </summary>
public sealed class DirectoryOutageTests : BrokerTest
{
    private const string ErrorQueue = "smime-protect_error";
    private const string Waiting = "the recipient directory is unavailable";
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_mail_waits_while_the_directory_is_down_and_is_delivered_once_it_is_back()
    {
        await using var postgres = await PrivatePostgres.StartAsync(20);
        var outbox = Path.Combine(Temp.Path, "outbox");
        var logs = new RecordingLoggerProvider();
        await using var signer = await WorkerHost.StartAsync(SignerSettings(postgres, outbox), builder => builder.Logging.AddProvider(logs));
        await using var sender = await WorkerHost.StartAsync(WorkerSettings("Sender", outbox));
        string Output() => string.Join('\n', logs.Lines);

        // The directory answers: a mail goes through (recipients from the file store, the directory asked first).
        var before = OneRecipientMail();
        await PublishAsync(before);
        await AssertDeliveredAndReadableAsync(outbox, before, Generous, "the mail before the outage was not delivered");

        await postgres.StopAsync();
        var during = OneRecipientMail();
        await PublishAsync(during);
        await Eventually.HoldsAsync(
            () => Task.FromResult(WaitLines(Output(), during.MailId).Count >= 2),
            Generous,
            () => $"the signer did not wait for the stopped directory:\n{Output()}");
        Assert.False(File.Exists(Path.Combine(outbox, $"{during.MailId:N}.eml")), "a mail went out while its recipient directory was down");

        await postgres.StartAgainAsync();
        await AssertDeliveredAndReadableAsync(outbox, during, Generous, $"the mail was not delivered once the directory was back:\n{Output()}");

        var wait = WaitLines(Output(), during.MailId)[0];
        Assert.Contains($"PostgreSQL recipient directory 127.0.0.1:{postgres.Port}/{PrivatePostgres.Role}", wait, StringComparison.Ordinal);
        Assert.DoesNotContain(Password(postgres), Output(), StringComparison.Ordinal);
        Assert.Equal(0, signer.Telemetry.FailedTotal);
        Assert.Equal(2, signer.Telemetry.ProtectedTotal);
        Assert.Equal(0, await VirtualHost.CountMessagesAsync(ErrorQueue));
    }

    [Fact]
    public async Task A_directory_that_stays_down_past_the_period_dead_letters_the_mail_as_directory_unavailable_with_event_log_line_and_metric()
    {
        await using var postgres = await PrivatePostgres.StartAsync(20);
        var outbox = Path.Combine(Temp.Path, "outbox");
        var period = TimeSpan.FromSeconds(3);
        var logs = new RecordingLoggerProvider();
        await using var events = await FailureEventCollector.StartAsync(VirtualHost.AmqpUri, "test-directory-events");
        await using var signer = await WorkerHost.StartAsync(
            SignerSettings(postgres, outbox, ("SmimePipeline:Signer:DirectoryUnavailableRetryPeriod", period.ToString())),
            builder => builder.Logging.AddProvider(logs));
        string Output() => string.Join('\n', logs.Lines);

        await postgres.StopAsync();
        var mail = OneRecipientMail();
        await PublishAsync(mail);
        long inError = 0;
        await Eventually.HoldsAsync(
            async () => (inError = await VirtualHost.CountMessagesAsync(ErrorQueue)) == 1 && events.Failed.Any(f => f.MailId == mail.MailId),
            Generous,
            () => $"{inError} in {ErrorQueue}, {events.Failed.Count} events:\n{Output()}");

        var reported = Assert.Single(events.Failed, f => f.MailId == mail.MailId);
        Assert.Equal(FailureStage.Protect, reported.Stage);
        Assert.True(reported.ReasonCode == DirectoryUnavailableException.Unavailable, $"{reported.ReasonCode}: {reported.Reason}\n{Output()}");
        Assert.Contains($"127.0.0.1:{postgres.Port}/{PrivatePostgres.Role}", reported.Reason, StringComparison.Ordinal);
        var fault = Assert.Single(await VirtualHost.PeekAsync(ErrorQueue, 5)).GetProperty("properties").GetProperty("headers").GetProperty("MT-Fault-Message").GetString()!;
        Assert.StartsWith(DirectoryUnavailableException.Unavailable + ": ", fault, StringComparison.Ordinal);
        await DeadLetterLog.AssertOneLineAsync(Output, $"Mail {mail.MailId:D} dead-lettered at protect: {DirectoryUnavailableException.Unavailable}: ", "the directory that stayed down");
        // One warning per wait of the period's schedule (0.5 s, 1 s, 1.5 s), not one per consumer or per short retry.
        Assert.Equal(Worker.Failures.UnavailableBackoff.Intervals(period).Count, WaitLines(Output(), mail.MailId).Count);
        Assert.Equal(1, signer.Telemetry.FailedTotal);
        Assert.DoesNotContain(Password(postgres), Output(), StringComparison.Ordinal);
        Assert.DoesNotContain(Password(postgres), reported.Reason, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(outbox, $"{mail.MailId:N}.eml")));
    }

    [Fact]
    public async Task A_directory_failure_that_needs_an_operator_is_not_waited_for_and_is_dead_lettered_after_the_short_retries()
    {
        await using var postgres = await PrivatePostgres.StartAsync(20);
        var outbox = Path.Combine(Temp.Path, "outbox");
        var logs = new RecordingLoggerProvider();
        await using var events = await FailureEventCollector.StartAsync(VirtualHost.AmqpUri, "test-directory-broken-events");
        // The default period (5 minutes): a mail that were waited for would not reach the error queue within this test.
        await using var signer = await WorkerHost.StartAsync(SignerSettings(postgres, outbox), builder => builder.Logging.AddProvider(logs));
        string Output() => string.Join('\n', logs.Lines);

        // The directory exists (its tables created at its first use); then someone drops its table: PostgreSQL answers
        // 42P01, which no wait repairs.
        Assert.Empty(signer.Services.GetRequiredService<IRecipientDirectory>().List());
        await using (var connection = new NpgsqlConnection(postgres.ConnectionString))
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand("DROP TABLE smime_certificates", connection);
            await drop.ExecuteNonQueryAsync();
        }

        var mail = OneRecipientMail();
        await PublishAsync(mail);
        await Eventually.HoldsAsync(
            async () => await VirtualHost.CountMessagesAsync(ErrorQueue) == 1 && events.Failed.Any(f => f.MailId == mail.MailId),
            Generous,
            () => $"the mail did not reach {ErrorQueue} with its event:\n{Output()}");

        var reported = Assert.Single(events.Failed, f => f.MailId == mail.MailId);
        Assert.Equal(DirectoryUnavailableException.Unavailable, reported.ReasonCode);
        Assert.Contains("SQLSTATE 42P01", reported.Reason, StringComparison.Ordinal);
        Assert.Empty(WaitLines(Output(), mail.MailId));
        await DeadLetterLog.AssertOneLineAsync(Output, $"Mail {mail.MailId:D} dead-lettered at protect: {DirectoryUnavailableException.Unavailable}: ", "the broken directory");
        Assert.Equal(1, signer.Telemetry.FailedTotal);
    }

    private static List<string> WaitLines(string output, Guid mailId) =>
        [.. output.Split('\n').Where(l => l.Contains($"Mail {mailId:D}: {Waiting}", StringComparison.Ordinal))];

    private static string Password(PrivatePostgres postgres) => new NpgsqlConnectionStringBuilder(postgres.ConnectionString).Password!;

    // No cache: every mail asks the directory, so that the outage is met by the mail sent during it.
    private Dictionary<string, string?> SignerSettings(PrivatePostgres postgres, string outbox, params (string Key, string? Value)[] more) => WorkerSettings(
        "Signer",
        outbox,
        [
            ("SmimePipeline:Directory:Provider", "Postgres"),
            ("SmimePipeline:Directory:Postgres", postgres.ConnectionString),
            ("SmimePipeline:Directory:CacheLifetime", "00:00:00"),
            .. more,
        ]);
}
