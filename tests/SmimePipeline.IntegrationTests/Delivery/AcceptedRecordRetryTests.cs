using Microsoft.Extensions.Logging;
using Npgsql;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;

namespace SmimePipeline.IntegrationTests.Delivery;

/// <summary>
/// Session 13, item 2: the ledger's "accepted" record after the ESP accepted a mail is tried again in place
/// (<c>AcceptedRecordRetry</c>), so that a ledger blink between the ESP's answer and the record does not leave the entry
/// <c>handing</c> for a later copy to take over and send again. A PostgreSQL ledger of the test's own
/// (<see cref="PrivatePostgres"/>) is stopped while the SparkPost fake holds its answer, and started again once the sender
/// has met the failed write; the real broker carries the mail, both roles run in this process. The fake holds its answer
/// until the ledger's server has stopped (<see cref="Testing.SparkPost.SparkPostFake.AnswerWhen"/>): until session 18 it
/// held it 8 s, a window in which the test had to see the claim and stop the server, which a loaded host could miss.
/// </summary>
public sealed class AcceptedRecordRetryTests : SparkPostBrokerTest
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_ledger_stopped_while_the_esp_accepts_gets_the_record_once_it_is_back_and_the_mail_is_sent_once()
    {
        await using var postgres = await PrivatePostgres.StartAsync(20);
        var logs = new RecordingLoggerProvider();
        string Output() => string.Join('\n', logs.Lines);
        await using var worker = await WorkerHost.StartAsync(Settings(postgres), builder => builder.Logging.AddProvider(logs));
        var mail = await PublishAndStopTheLedgerWhileHandingAsync(postgres, Output);
        await Eventually.HoldsAsync(
            () => Task.FromResult(Output().Contains($"Mail {mail.MailId:D} was accepted by sparkpost, but the ledger did not take the record", StringComparison.Ordinal)),
            Generous,
            () => $"the sender did not meet the stopped ledger after the ESP's answer (the stop came too late?):\n{Output()}");
        await postgres.StartAgainAsync();

        await Eventually.HoldsAsync(
            () => Task.FromResult(Output().Contains($"Mail {mail.MailId:D}: the ledger recorded its acceptance by sparkpost at try ", StringComparison.Ordinal)),
            Generous,
            () => $"the record was not written once the ledger was back:\n{Output()}");
        Assert.Equal("accepted", await LedgerStateAsync(postgres, mail.MailId));
        Assert.Equal(1, Esp.AcceptedByMailId[mail.MailId.ToString("D")]);
        Assert.Single(Esp.Requests);
        Assert.DoesNotContain("did not take the record in", Output(), StringComparison.Ordinal);
        Assert.Single(logs.Lines, l => l.Contains($"Mail {mail.MailId:D} was accepted by sparkpost, but the ledger did not take the record", StringComparison.Ordinal));
        Assert.Equal(0, worker.Telemetry.FailedTotal);
    }

    [Fact]
    public async Task A_ledger_that_stays_down_past_the_retry_counts_the_mail_as_delivered_once_with_an_error_line_and_a_metric()
    {
        await using var postgres = await PrivatePostgres.StartAsync(20);
        var logs = new RecordingLoggerProvider();
        string Output() => string.Join('\n', logs.Lines);
        await using var worker = await WorkerHost.StartAsync(Settings(postgres), builder => builder.Logging.AddProvider(logs));
        var mail = await PublishAndStopTheLedgerWhileHandingAsync(postgres, Output);

        // The 10 s in-place retry ends with the error line (2122) and the mail counted as delivered: the ESP has it.
        await Eventually.HoldsAsync(
            () => Task.FromResult(worker.Telemetry.AcceptedNotRecordedTotal == 1 && worker.Telemetry.DeliveredTotal == 1),
            Generous,
            () => $"the record was not given up, or the mail not counted as delivered (not recorded {worker.Telemetry.AcceptedNotRecordedTotal}, delivered {worker.Telemetry.DeliveredTotal}):\n{Output()}");
        Assert.Single(logs.Lines, l => l.Contains($"Mail {mail.MailId:D} was accepted by sparkpost as ", StringComparison.Ordinal)
            && l.Contains("but the ledger did not take the record in", StringComparison.Ordinal));
        Assert.Equal(0, worker.Telemetry.FailedTotal);

        // Nothing is left to send it again: after the ledger is back the ESP still saw one request, the entry says handing.
        await postgres.StartAgainAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Single(Esp.Requests);
        Assert.Equal("handing", await LedgerStateAsync(postgres, mail.MailId));
    }

    // Publishes one mail and stops the ledger's server once the sender has claimed it (entry 'handing'), while the SparkPost
    // fake holds its answer (AnswerWhen), which it gives once the server is down, also when the stop fails.
    private async Task<ProtectEmail> PublishAndStopTheLedgerWhileHandingAsync(PrivatePostgres postgres, Func<string> output)
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Esp.AnswerWhen = stopped.Task;
        try
        {
            var mail = OneRecipientMail();
            await PublishAsync(mail);
            await Eventually.HoldsAsync(
                async () => await LedgerStateAsync(postgres, mail.MailId) == "handing",
                Generous,
                () => $"the mail was never claimed in the ledger:\n{output()}");
            await postgres.StopAsync();
            return mail;
        }
        finally
        {
            stopped.SetResult();
        }
    }

    // The mail's ledger state as the server has it, or null when it has no entry (or no table yet) (asked as the ledger's own role, on a
    // connection of its own: a pooled one would be the one the server's stop ended).
    private static async Task<string?> LedgerStateAsync(PrivatePostgres postgres, Guid mailId)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT state FROM smime_delivery_ledger WHERE mail_id = @id", connection);
        command.Parameters.AddWithValue("id", mailId.ToString("D"));
        try
        {
            return await command.ExecuteScalarAsync() as string;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return null;  // the ledger creates its table with its first statement: before the first mail there is none
        }
    }

    // Both roles in one process on the SparkPost fake (its answer held while the test stops the ledger, well inside the
    // client's timeout, SparkPostFake.ClientTimeout), the ledger on the test's own PostgreSQL.
    private Dictionary<string, string?> Settings(PrivatePostgres postgres) =>
        BothRolesOnSparkPost(
            ("SmimePipeline:Delivery:Ledger:Provider", "postgres"),
            ("SmimePipeline:Delivery:Ledger:PostgresConnectionString", postgres.ConnectionString));
}
