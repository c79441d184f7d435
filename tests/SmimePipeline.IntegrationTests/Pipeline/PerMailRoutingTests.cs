using Microsoft.Extensions.Options;
using SmimePipeline.Client;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;

namespace SmimePipeline.IntegrationTests.Pipeline;

/// <summary>
/// Issue 17, session 19: what RabbitMQ routes per mail, pinned on the real broker for the deployment <c>bench pipeline</c>
/// measures (signer and sender in one process, the first delivery attempt in it). The client sends the command straight to
/// <c>smime-protect</c>'s exchange, which routes to the queue alone (one exchange, no exchange-to-exchange hop); a producer
/// that publishes <c>ProtectEmail</c> by MassTransit's convention reaches that queue, and that queue alone, through the
/// message type's exchange, one hop more (before session 19 also the large-mail lane: protected twice); and the two
/// per-mail events go to their message types' exchanges, which route to nothing unless a subscriber binds a queue. The
/// README section "Issue 17, session 19: what RabbitMQ does per mail" counts on this layout.
/// </summary>
public sealed class PerMailRoutingTests : BrokerTest
{
    private const string ProtectEmailExchange = "SmimePipeline.Contracts:ProtectEmail";
    private const string EmailProtectedExchange = "SmimePipeline.Contracts:EmailProtected";
    private const string EmailDeliveredExchange = "SmimePipeline.Contracts:EmailDelivered";

    // The exchanges MassTransit names after the commands a signer consumes.
    private static readonly string[] CommandTypeExchanges =
        [ProtectEmailExchange, "SmimePipeline.Contracts:ProtectMimeMessage", "SmimePipeline.Messaging.ProducerClaims:ProtectCommandClaim"];

    [Fact]
    public async Task A_mail_from_the_client_crosses_one_exchange_and_its_two_events_route_nowhere()
    {
        var outbox = Path.Combine(Temp.Path, "outbox");
        await using var worker = await StartWorkerAsync(outbox);

        Assert.Equal([$"queue {QueueNames.Protect}"], await VirtualHost.BindingsFromAsync(QueueNames.Protect));
        Assert.Equal([$"exchange {QueueNames.Protect}"], await VirtualHost.BindingsFromAsync(ProtectEmailExchange));
        Assert.Empty(await VirtualHost.BindingsFromAsync(EmailProtectedExchange));
        Assert.Empty(await VirtualHost.BindingsFromAsync(EmailDeliveredExchange));

        // The producer's channel stays open until the broker's statistics show its publish: a channel closed before the
        // next statistics emission can take its exchange counts with it (CI, stop 30: smime-protect read (0, 0) after the
        // events' exchanges, published on the worker's long-lived channels, had shown theirs).
        var mail = OneRecipientMail();
        var bus = await StartProducerAsync();
        try
        {
            await new SmimeMailPublisher(bus, Options.Create(new SmimePipelineClientOptions())).ProtectAsync(mail);
            await AssertDeliveredAndReadableAsync(outbox, mail, TimeSpan.FromSeconds(120), $"mail {mail.MailId} was not delivered");

            // Statistics are as old as the last emission (every second on the test broker): wait until all three publishes show.
            await Eventually.HoldsAsync(
                async () => (await VirtualHost.ExchangePublishesAsync(QueueNames.Protect)).In == 1
                    && (await VirtualHost.ExchangePublishesAsync(EmailDeliveredExchange)).In == 1
                    && (await VirtualHost.ExchangePublishesAsync(EmailProtectedExchange)).In == 1,
                TimeSpan.FromSeconds(60),
                () => "the broker's statistics never showed the client's publish, one EmailProtected and one EmailDelivered");
        }
        finally
        {
            await bus.StopAsync();
        }

        Assert.Equal((1L, 1L), await VirtualHost.ExchangePublishesAsync(QueueNames.Protect));
        Assert.Equal((0L, 0L), await VirtualHost.ExchangePublishesAsync(ProtectEmailExchange));
        Assert.Equal((1L, 0L), await VirtualHost.ExchangePublishesAsync(EmailProtectedExchange));
        Assert.Equal((1L, 0L), await VirtualHost.ExchangePublishesAsync(EmailDeliveredExchange));
        Assert.Equal((0L, 0L), await VirtualHost.ExchangePublishesAsync(QueueNames.Deliver));
        Assert.Equal(1, worker.Telemetry.ProtectedTotal);
    }

    [Fact]
    public async Task A_command_published_by_convention_is_protected_once_also_where_an_older_signer_bound_the_large_lane()
    {
        // What a signer before session 19 left on the broker: the command types' exchanges bound to the large-mail lane too.
        foreach (var source in CommandTypeExchanges)
        {
            await VirtualHost.BindExchangeAsync(source, QueueNames.ProtectLarge);
        }

        var outbox = Path.Combine(Temp.Path, "outbox");
        await using (await StartWorkerAsync(outbox))
        {
        }

        // Started again where the exchanges exist and the bindings are gone: removing nothing is no error.
        await using var worker = await StartWorkerAsync(outbox);
        foreach (var source in CommandTypeExchanges)
        {
            Assert.DoesNotContain($"exchange {QueueNames.ProtectLarge}", await VirtualHost.BindingsFromAsync(source));
        }

        Assert.Equal([$"exchange {QueueNames.Protect}"], await VirtualHost.BindingsFromAsync(ProtectEmailExchange));
        var mail = OneRecipientMail();

        // A producer outside our code: MassTransit's Publish, its JSON envelope, the message type's exchange.
        var bus = await StartProducerAsync();
        try
        {
            await bus.Publish(mail);
        }
        finally
        {
            await bus.StopAsync();
        }

        await AssertDeliveredAndReadableAsync(outbox, mail, TimeSpan.FromSeconds(120), $"mail {mail.MailId} published by convention was not delivered");
        await Eventually.HoldsAsync(
            async () => (await VirtualHost.ExchangePublishesAsync(EmailProtectedExchange)).In >= 1,
            TimeSpan.FromSeconds(60),
            () => "the broker's statistics never showed the EmailProtected publish");
        Assert.Equal(1, worker.Telemetry.ProtectedTotal);
        Assert.Equal((1L, 0L), await VirtualHost.ExchangePublishesAsync(EmailProtectedExchange));
        Assert.Equal(0, await VirtualHost.CountMessagesNowAsync(QueueNames.ProtectLarge));
    }

    // Both roles in one process, as bench pipeline runs them (the first delivery attempt in the signer's process).
    private Task<WorkerHost> StartWorkerAsync(string outbox) =>
        WorkerHost.StartAsync(WorkerSettings(
            "Signer", outbox, ("SmimePipeline:Roles", "Signer,Sender"), ("SmimePipeline:ClaimCheck:Directory", Path.Combine(Temp.Path, "claims"))));
}
