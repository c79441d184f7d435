using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmimePipeline.Client;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Failures;

/// <summary>
/// Session 12, item 4: a failure is reported once even when the event of the report cannot be published. The signer
/// (in process, MassTransit's in-memory transport) refuses a mail whose recipient has no certificate; a publish observer
/// fails every <see cref="EmailDeliveryFailed"/> publish. Before, the handler's report (log line, metric) was followed by
/// the endpoint filter's report of the publish's exception: two lines, two counts, <c>unexpected-error</c> in the fault.
/// Injected rather than provoked on RabbitMQ: there, MassTransit 8.5 retries a publish the broker nacks or refuses
/// (<c>S-FAULT</c> after <c>S-FAULT</c>) instead of failing it, so no exception reaches the handler (seen in this session;
/// README "Every failure is seen").
/// </summary>
public sealed class FailureReportedOnceTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_report_whose_event_cannot_be_published_is_logged_and_counted_once_with_its_own_reason()
    {
        var pki = DemoPki.EnsureCreated(Path.Combine(_temp.Path, "pki"));
        var logs = new RecordingLoggerProvider();
        await using var signer = await WorkerHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["SmimePipeline:Roles"] = "Signer",
                ["SmimePipeline:Transport"] = "InMemory",
                ["SmimePipeline:Signer:StorePath"] = pki.StorePath,
            },
            builder =>
            {
                builder.Logging.AddProvider(logs);
                builder.Services.AddPublishObserver<RefusingFailureEvents>();
            });
        string Output() => string.Join('\n', logs.Lines);
        var mail = new ProtectEmail
        {
            MailId = Guid.NewGuid(),
            From = new MailAddress(pki.SenderAddress),
            To = [new MailAddress("nobody@" + DemoPki.Domain)],
            Subject = "No certificate",
            TextBody = "For a recipient without a certificate.",
        };

        await new SmimeMailPublisher(signer.Services.GetRequiredService<IBus>(), Options.Create(new SmimePipelineClientOptions())).ProtectAsync(mail);

        await DeadLetterLog.AssertOneLineAsync(
            Output,
            $"Mail {mail.MailId:D} dead-lettered at protect as recipient-certificate-missing (reported above), but its EmailDeliveryFailed event could not be published (InvalidOperationException)",
            "the refused event");
        await DeadLetterLog.AssertOneLineAsync(Output, $"Mail {mail.MailId:D} dead-lettered at protect: ", "the refused mail");
        Assert.Contains($"Mail {mail.MailId:D} dead-lettered at protect: recipient-certificate-missing: ", Output(), StringComparison.Ordinal);
        Assert.Equal(1, signer.Telemetry.FailedTotal);
    }
}
