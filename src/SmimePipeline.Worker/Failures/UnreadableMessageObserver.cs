using System.Runtime.Serialization;
using System.Text.Json;
using MassTransit;
using SmimePipeline.Contracts;
using SmimePipeline.Messaging;
using SmimePipeline.Worker.Messaging;
using SmimePipeline.Worker.Telemetry;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Failures;

/// <summary>
/// A message on one of the pipeline's queues whose body MassTransit cannot read (not JSON, a field of the wrong
/// type, a required field missing) never reaches a consumer, so no refusal code runs: MassTransit moves it to the
/// queue's <c>_error</c> queue, where <c>smime dlq</c> lists it. This observer gives it what every other failure
/// gets: the <c>unreadable-message</c> reason with the JSON path that failed (never the body), one error log line,
/// <c>smime_dead_letters_total</c>, and, for mail (<c>smime-protect</c>, <c>smime-deliver</c>), an
/// <see cref="EmailDeliveryFailed"/> event carrying the mail id when the body names one (else the empty id).
/// Failures that a consumer already reported (refusals) are not reported again.
/// </summary>
public sealed class UnreadableMessageObserver(
    SmimeTelemetry telemetry, TimeProvider time, IServiceProvider services, ILogger<UnreadableMessageObserver> logger) : IReceiveObserver
{
    /// <summary>The reason code of a message whose body could not be read.</summary>
    public const string ReasonCode = "unreadable-message";

    /// <inheritdoc />
    public Task PreReceive(ReceiveContext context) => Task.CompletedTask;

    /// <inheritdoc />
    public Task PostReceive(ReceiveContext context) => Task.CompletedTask;

    /// <inheritdoc />
    public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType)
        where T : class => Task.CompletedTask;

    /// <inheritdoc />
    public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception)
        where T : class => Task.CompletedTask;

    /// <inheritdoc />
    public async Task ReceiveFault(ReceiveContext context, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Unreadable(exception) is not { } cause || StageOf(context.InputAddress) is not { } stage)
        {
            return;
        }

        var mailId = MailIdOf(context);
        // A binary protect command above the size limit is refused before it is read, with the code JSON gets for it.
        var code = cause is ProtectCommandTooLargeException ? MailRefusal.MessageTooLarge : ReasonCode;
        string reason = $"the {stage} message could not be read: {Describe(cause)}";
        telemetry.RecordDeadLetter(stage, code);
        Log.MailDeadLettered(logger, mailId, stage, code, reason);
        if (stage == "harvest")
        {
            return;
        }

        // Published through the bus, not the receive context: this message has no consume context to publish from. Bounded
        // by RabbitMq:SendTimeout as every event is; a refusal is line 1018, the message is in its _error queue already.
        try
        {
            await services.GetRequiredService<BoundedBrokerSend>().PublishWithoutConsumeAsync(
                services.GetRequiredService<IBus>(),
                new EmailDeliveryFailed
                {
                    MailId = mailId,
                    Stage = stage == "protect" ? FailureStage.Protect : FailureStage.Deliver,
                    ReasonCode = code,
                    Reason = reason,
                    FailedAt = time.GetUtcNow(),
                },
                context.CancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException && !context.CancellationToken.IsCancellationRequested)
        {
            // BrokerSendRefusedException when the broker did not take it; anything else would leave this observer for
            // MassTransit alone to log: the same one line instead, as the work queues' filter writes it.
            Log.FailureEventNotPublished(logger, mailId, stage, code, e.GetType().Name);
        }
    }

    /// <summary>The deserialisation failure in <paramref name="exception"/>'s chain, or null when it is anything else.</summary>
    private static Exception? Unreadable(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is JsonException)
            {
                return current;
            }

            if (current is SerializationException && current.InnerException is null)
            {
                return current;
            }
        }

        return exception is SerializationException ? exception : null;
    }

    /// <summary>What failed, by JSON path and exception type: never the exception's message, which can quote the body.</summary>
    private static string Describe(Exception cause) => cause switch
    {
        DeliverEmailHeaderException header => header.Message,
        ProtectCommandFormatException binary => binary.Message,
        ProtectCommandTooLargeException tooLarge => tooLarge.Message,
        JsonException { Path: { Length: > 0 } path } when cause.Message.Contains("missing required properties", StringComparison.Ordinal) =>
            $"a required field is missing ({RequiredFields(cause.Message)}) at {path}",
        JsonException { Path: { Length: > 1 } path } => $"the value at {path} is not of the contract's type",
        JsonException => "the body is not JSON of the contract's shape",
        _ => $"{cause.GetType().Name} from the deserialiser",
    };

    /// <summary>The field names System.Text.Json lists after "including:" (names of the contract, not content).</summary>
    private static string RequiredFields(string message)
    {
        int at = message.IndexOf("including:", StringComparison.Ordinal);
        return at < 0 ? "a required field" : message[(at + "including:".Length)..].Replace("'", "", StringComparison.Ordinal).Trim().TrimEnd('.');
    }

    private static string? StageOf(Uri? inputAddress) => inputAddress?.AbsolutePath.TrimEnd('/').Split('/')[^1] switch
    {
        QueueNames.Protect or QueueNames.ProtectLarge => "protect",
        QueueNames.Deliver => "deliver",
        QueueNames.Harvest => "harvest",
        _ => null,
    };

    /// <summary>The <c>mailId</c> of the envelope's message (or a binary DeliverEmail's header), if it says one; else the empty id.</summary>
    private static Guid MailIdOf(ReceiveContext context)
    {
        if (DeliverEmailBinaryFormat.Is(context.ContentType))
        {
            // Binary DeliverEmail: the id is a header; the body is the mail and is never parsed here.
            return DeliverEmailHeaderReader.MailIdOrEmpty(context.TransportHeaders);
        }

        if (ProtectCommandBinaryFormat.Is(context.ContentType))
        {
            // Binary ProtectEmail / ProtectMimeMessage: the id is a header; the body is never parsed here.
            return ProtectCommandBinaryFormat.MailIdOrEmpty(context.TransportHeaders);
        }

        try
        {
            using var document = JsonDocument.Parse(context.Body.GetBytes());
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("message", out var message)
                && message.ValueKind == JsonValueKind.Object
                && message.TryGetProperty("mailId", out var id)
                && id.ValueKind == JsonValueKind.String
                && Guid.TryParse(id.GetString(), out var mailId)
                ? mailId
                : Guid.Empty;
        }
        catch (JsonException)
        {
            // Not JSON at all: the failure is reported without a mail id.
            return Guid.Empty;
        }
    }
}
