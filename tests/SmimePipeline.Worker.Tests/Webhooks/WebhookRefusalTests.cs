using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SmimePipeline.Delivery.Ledger;
using SmimePipeline.Testing;
using SmimePipeline.Testing.SparkPost;
using SmimePipeline.Worker.Telemetry;
using SmimePipeline.Worker.Webhooks;

namespace SmimePipeline.Worker.Tests.Webhooks;

/// <summary>
/// Session 22: a refused webhook call is counted with its reason (<c>smime.webhook.refusals</c>), so that an operator can
/// tell SparkPost's rotated secret or changed <c>auth_type</c> from a stranger without credentials, and our own unreadable
/// secret from both; the caller's answer is the same for every credentials reason.
/// </summary>
public sealed class WebhookRefusalTests : IDisposable
{
    private const string Password = "events-password-0123456789";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(null, "credentials-missing")]
    [InlineData("Basic c3Bhcmtwb3N0Om5vdC10aGUtcGFzc3dvcmQ=", "credentials-wrong")] // sparkpost:not-the-password
    [InlineData("Basic b3RoZXI6ZXZlbnRzLXBhc3N3b3JkLTAxMjM0NTY3ODk=", "credentials-wrong")] // other:events-password-0123456789
    [InlineData("Basic !!not-base64!!", "credentials-wrong")]
    [InlineData("Bearer events-password-0123456789", "scheme-not-accepted")]
    [InlineData("Digest username=\"sparkpost\"", "scheme-not-accepted")]
    public async Task Event_batches_refused_for_their_credentials_are_counted_by_reason_and_answered_alike(string? authorization, string reason)
    {
        var passwordFile = Path.Combine(_temp.Path, "events-password");
        await File.WriteAllTextAsync(passwordFile, Password + "\n");

        var (status, answer, refusals) = await PostEventsAsync(passwordFile, authorization);

        Assert.Equal(StatusCodes.Status401Unauthorized, status);
        Assert.Equal("{\"error\":\"missing or wrong credentials\"}", answer);
        Assert.Equal([("sparkpost-events", reason)], refusals);
    }

    [Fact]
    public async Task Our_own_secret_file_missing_is_told_apart_from_a_callers_wrong_credentials()
    {
        var (status, answer, refusals) = await PostEventsAsync(
            Path.Combine(_temp.Path, "not-mounted"),
            "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("sparkpost:" + Password)));

        Assert.Equal(StatusCodes.Status401Unauthorized, status);
        Assert.Equal("{\"error\":\"missing or wrong credentials\"}", answer);
        Assert.Equal([("sparkpost-events", "secret-unavailable")], refusals);
    }

    [Fact]
    public async Task The_right_credentials_and_a_bad_batch_id_are_refused_as_that()
    {
        var passwordFile = Path.Combine(_temp.Path, "events-password");
        await File.WriteAllTextAsync(passwordFile, Password);

        var (status, _, refusals) = await PostEventsAsync(
            passwordFile,
            "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("sparkpost:" + Password)),
            batchId: "has spaces");

        Assert.Equal(StatusCodes.Status400BadRequest, status);
        Assert.Equal([("sparkpost-events", "batch-id-invalid")], refusals);
    }

    [Fact]
    public async Task A_batch_the_ledger_holds_up_is_answered_503_at_the_deadline_not_when_SQLite_gives_up()
    {
        // Session 23: Microsoft.Data.Sqlite waits for a locked database synchronously and ignores cancellation, so the
        // handler answered when SQLite gave up (its 30 s command timeout), whatever Webhooks:HandOverTimeout said.
        var passwordFile = Path.Combine(_temp.Path, "events-password");
        await File.WriteAllTextAsync(passwordFile, Password);
        var path = Path.Combine(_temp.Path, "ledger.db");
        var ledger = new SqliteRecipientFateLedger(path);
        Assert.False(await ledger.IsBatchDoneAsync("batch-0", CancellationToken.None)); // creates the tables
        var mailId = Guid.NewGuid();
        var transmission = new RecordedTransmission(mailId.ToString("D"), null, null, "", DateTimeOffset.UtcNow, 200, "tx-1");
        var batch = EventBatch.Create(EventBatch.Bounce(transmission, "carol@customer.example", DateTimeOffset.UtcNow.AddSeconds(-5), 10, "550 5.1.1 unknown"));

        await using var blocker = new SqliteConnection($"Data Source={path}");
        await blocker.OpenAsync();
        await using (var begin = blocker.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            await begin.ExecuteNonQueryAsync();
        }

        var clock = Stopwatch.StartNew();
        var (status, answer, refusals) = await PostEventsAsync(
            passwordFile,
            "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("sparkpost:" + Password)),
            ledger: ledger,
            handOverTimeout: TimeSpan.FromSeconds(1),
            body: batch);
        clock.Stop();

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, status);
        Assert.Equal("{\"error\":\"The batch could not be recorded; retry later.\"}", answer);
        Assert.Equal([("sparkpost-events", "hand-over-timeout")], refusals);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(6));

        // The hand-over left running records the fate once the lock is gone (the provider's retry finds it recorded).
        await using (var rollback = blocker.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }

        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while ((await ledger.ListAsync(mailId, CancellationToken.None)).Count == 0 && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Single(await ledger.ListAsync(mailId, CancellationToken.None));
    }

    // Posts to the events handler (Basic authentication as "sparkpost" with the password in passwordFile); without a
    // ledger, the handler's ledger and recorder are never reached by a refused request. With one, fates are recorded in
    // it and never published (a hand-over that reaches the bus fails).
    private static async Task<(int Status, string Answer, List<(string Endpoint, string Reason)> Refusals)> PostEventsAsync(
        string passwordFile, string? authorization, string batchId = "batch-1", IRecipientFateLedger? ledger = null, TimeSpan? handOverTimeout = null, string body = "[]")
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var refusals = new List<(string Endpoint, string Reason)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meters) && instrument.Name == "smime.webhook.refusals")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            string endpoint = "", reason = "";
            foreach (var tag in tags)
            {
                endpoint = tag.Key == "endpoint" ? (string)tag.Value! : endpoint;
                reason = tag.Key == "reason" ? (string)tag.Value! : reason;
            }

            refusals.Add((endpoint, reason));
        });
        listener.Start();

        var telemetry = new ReturnPathTelemetry(meters);
        var options = new WebhooksOptions { EventsUserName = "sparkpost", EventsPasswordFile = passwordFile };
        options.HandOverTimeout = handOverTimeout ?? options.HandOverTimeout;
        var handler = new EventWebhookHandler(
            Options.Create(options),
            ledger!,
            ledger is null ? null! : new RecipientFateRecorder(ledger, new RecipientFatePublisher(null!), telemetry, NullLogger<RecipientFateRecorder>.Instance),
            telemetry,
            TimeProvider.System,
            NullLogger<EventWebhookHandler>.Instance);
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Path = EventWebhookHandler.Path;
        context.Request.Headers[EventWebhookHandler.BatchIdHeader] = batchId;
        if (authorization is not null)
        {
            context.Request.Headers.Authorization = authorization;
        }

        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        using var answer = new MemoryStream();
        context.Response.Body = answer;

        await handler.HandleAsync(context);

        return (context.Response.StatusCode, Encoding.UTF8.GetString(answer.ToArray()), refusals);
    }
}
