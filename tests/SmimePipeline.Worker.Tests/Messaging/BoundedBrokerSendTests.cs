using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Messaging;

namespace SmimePipeline.Worker.Tests.Messaging;

/// <summary>
/// What <see cref="BoundedBrokerSend"/> puts on every event and send a consumer makes (issue 17, session 18 replaced its
/// per-send lambda with <see cref="InitiatedSendPipe{T}"/>): the consumed message's conversation, the consumed message as
/// initiator, and for a send the caller's own settings after them. On MassTransit's in-memory test harness: the fields are
/// MassTransit's, the same on RabbitMQ.
/// </summary>
public sealed class BoundedBrokerSendTests
{
    [Fact]
    public async Task An_event_and_a_send_carry_the_consumed_messages_conversation_its_id_as_initiator_and_the_callers_settings()
    {
        await using var provider = new ServiceCollection()
            .AddSingleton(Options.Create(new SmimePipelineOptions()))
            .AddSingleton<BoundedBrokerSend>()
            .AddSingleton<MailEventPublisher>()
            .AddMassTransitTestHarness(x =>
            {
                x.AddConsumer<ForwardingConsumer>();
                x.AddConsumer<ReceivingConsumer>().Endpoint(e => e.Name = ForwardingConsumer.Exchange);
            })
            .BuildServiceProvider(true);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        var conversation = NewId.NextGuid();
        var command = NewId.NextGuid();

        await harness.Bus.Publish(new ForwardOnce(Guid.NewGuid()), c =>
        {
            c.ConversationId = conversation;
            c.MessageId = command;
        });

        // Read where they arrive: the event by its exchange's binding, the send at the exchange named.
        Assert.True(await harness.Consumed.Any<EmailDelivered>(), "no EmailDelivered arrived");
        Assert.True(await harness.Consumed.Any<ForwardedOnce>(), "nothing arrived from the exchange");
        Assert.Null(Assert.Single(harness.Consumed.Select<ForwardOnce>()).Exception);
        var published = Assert.Single(harness.Consumed.Select<EmailDelivered>()).Context;
        Assert.Equal(conversation, published.ConversationId);
        Assert.Equal(command, published.InitiatorId);
        var sent = Assert.Single(harness.Consumed.Select<ForwardedOnce>()).Context;
        Assert.Equal(conversation, sent.ConversationId);
        Assert.Equal(command, sent.InitiatorId);
        Assert.Equal("the caller's", sent.Headers.Get<string>(ForwardingConsumer.Header));
    }
}

/// <summary>
/// A command whose consumer publishes one event (through <see cref="MailEventPublisher"/>, as the signer and sender do) and
/// sends one message through <see cref="BoundedBrokerSend"/>.
/// </summary>
public sealed record ForwardOnce(Guid MailId);

/// <summary>What <see cref="ForwardingConsumer"/> sends to its exchange.</summary>
public sealed record ForwardedOnce(Guid MailId);

/// <summary>Publishes and sends on its message's behalf, as the signer and sender do.</summary>
public sealed class ForwardingConsumer(MailEventPublisher events, BoundedBrokerSend broker) : IConsumer<ForwardOnce>
{
    public const string Header = "X-Bounded-Send-Test";
    public const string Exchange = "bounded-send-test";

    public async Task Consume(ConsumeContext<ForwardOnce> context)
    {
        await events.PublishAsync(context, new EmailDelivered
        {
            MailId = context.Message.MailId,
            Provider = "test",
            AcceptedRecipients = ["alice@example.org"],
            DeliveredAt = DateTimeOffset.UtcNow,
        });
        await broker.SendAsync(context, Exchange, new ForwardedOnce(context.Message.MailId), send => send.Headers.Set(Header, "the caller's"));
    }
}

/// <summary>Receives the event and the sent message, so that the harness records what arrived with them.</summary>
public sealed class ReceivingConsumer : IConsumer<EmailDelivered>, IConsumer<ForwardedOnce>
{
    public Task Consume(ConsumeContext<EmailDelivered> context) => Task.CompletedTask;

    public Task Consume(ConsumeContext<ForwardedOnce> context) => Task.CompletedTask;
}
