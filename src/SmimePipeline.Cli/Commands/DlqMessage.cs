using System.Globalization;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using SmimePipeline.Messaging;
using SmimePipeline.Worker.Failures;
using SmimePipeline.Worker.Messaging;
using SmimePipeline.Worker.Sending;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Cli.Commands;

/// <summary>
/// One dead-lettered mail as <c>smime dlq</c> shows it: its headers, never its content. It reads both kinds of
/// dead letter: the sender's (<c>smime-deliver-dead</c>, with the <see cref="SenderHeaders"/>) and MassTransit's
/// error queues (<c>smime-protect_error</c>, <c>smime-deliver_error</c>), where the reason is in
/// <c>MT-Fault-Message</c> and the mail id only in the message envelope.
/// </summary>
/// <remarks>
/// Both formats of <c>DeliverEmail</c> are read: MassTransit's JSON envelope (the mail id inside it) and issue 17's
/// binary body (<c>application/vnd.smimepipeline.deliver-email</c>), whose mail id is the <c>smime-mail-id</c> header and
/// whose body, the protected mail, is never parsed. <c>requeue</c> republishes body and properties unchanged, so a mail
/// keeps its format.
/// </remarks>
internal sealed record DlqMessage(ulong DeliveryTag, IReadOnlyDictionary<string, string> Headers, int BodySize, string? EnvelopeMailId, string? ContentType)
{
    private const string FaultExceptionType = "MT-Fault-ExceptionType";
    private const string FaultMessage = "MT-Fault-Message";
    private const string FaultTimestamp = "MT-Fault-Timestamp";
    private const string FirstDeathReason = "x-first-death-reason";
    private const string FirstDeathQueue = "x-first-death-queue";
    private const string BrokerDeliveryLimit = "delivery_limit";

    public string MailId => Header(SenderHeaders.MailId) ?? EnvelopeMailId ?? "(unknown)";

    /// <summary>
    /// The reason code: the sender's header, the signer's <see cref="MailDeadLetteredException"/>, <c>delivery-limit</c> for a
    /// message RabbitMQ's own <c>delivery-limit</c> policy dead-lettered (the last resort when the worker could not move it),
    /// or <c>unexpected-error</c> for other faults.
    /// </summary>
    public string? ReasonCode
    {
        get
        {
            if (Header(SenderHeaders.ReasonCode) is { } code)
            {
                return code;
            }

            if (ParkedByBroker)
            {
                return DeliveryLimit.ReasonCode;
            }

            if (Header(FaultExceptionType) is not { } type)
            {
                return null;
            }

            if (type.EndsWith(nameof(ProtectCommandTooLargeException), StringComparison.Ordinal))
            {
                return MailRefusal.MessageTooLarge;
            }

            if (IsUnreadable(type))
            {
                return UnreadableMessageObserver.ReasonCode;
            }

            var message = Header(FaultMessage) ?? "";
            var colon = message.IndexOf(": ", StringComparison.Ordinal);
            return type.EndsWith(nameof(MailDeadLetteredException), StringComparison.Ordinal) && colon > 0
                ? message[..colon]
                : FailureReason.UnexpectedError;
        }
    }

    /// <summary>When it was dead-lettered: the sender's header or MassTransit's fault time.</summary>
    public string? DeadLetteredAt => Header(SenderHeaders.DeadLetteredAt) ?? Header(FaultTimestamp);

    /// <summary>The ESP's answer when there is one, else the reason sentence.</summary>
    public string? Detail => Header(SenderHeaders.EspAnswer) ?? Header(SenderHeaders.Reason) ?? Header(FaultMessage)
        ?? (ParkedByBroker ? $"RabbitMQ's delivery-limit policy dead-lettered it from {Header(FirstDeathQueue) ?? "its queue"}" : null);

    /// <summary>Dead-lettered by the broker's <c>delivery-limit</c> (no fault or sender headers: the worker never moved it).</summary>
    private bool ParkedByBroker => Header(FirstDeathReason) == BrokerDeliveryLimit && Header(FaultExceptionType) is null;

    /// <summary>
    /// MassTransit could not read the body (a deserialiser's failure, a binary <c>DeliverEmail</c>'s header): the
    /// <see cref="UnreadableMessageObserver"/> reported it as <c>unreadable-message</c>, so the list says the same.
    /// MassTransit names the innermost exception, e.g. System.Text.Json's internal <c>JsonReaderException</c>.
    /// </summary>
    private static bool IsUnreadable(string exceptionType) =>
        exceptionType.EndsWith(nameof(DeliverEmailHeaderException), StringComparison.Ordinal)
        || exceptionType.EndsWith(nameof(ProtectCommandFormatException), StringComparison.Ordinal)
        || exceptionType.EndsWith(nameof(System.Runtime.Serialization.SerializationException), StringComparison.Ordinal)
        || exceptionType.StartsWith("System.Text.Json.", StringComparison.Ordinal);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public static DlqMessage From(BasicGetResult result)
    {
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in result.BasicProperties.Headers ?? new Dictionary<string, object?>())
        {
            headers[key] = value switch
            {
                byte[] bytes => Encoding.UTF8.GetString(bytes),
                null => "",
                IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString() ?? "",
            };
        }

        var contentType = result.BasicProperties.ContentType;
        // Binary DeliverEmail and binary protect commands: the id is a header, the body is never parsed.
        var binary = contentType is not null
            && (contentType.StartsWith(DeliverEmailBinaryFormat.MediaType, StringComparison.OrdinalIgnoreCase)
                || contentType.StartsWith(ProtectCommandBinaryFormat.ProtectEmailMediaType, StringComparison.OrdinalIgnoreCase)
                || contentType.StartsWith(ProtectCommandBinaryFormat.ProtectMimeMessageMediaType, StringComparison.OrdinalIgnoreCase));
        var envelopeMailId = headers.ContainsKey(SenderHeaders.MailId) || binary ? null : ReadEnvelopeMailId(result.Body);
        return new DlqMessage(result.DeliveryTag, headers, result.Body.Length, envelopeMailId, contentType);
    }

    // Only message.mailId is read from MassTransit's JSON envelope; nothing else of the body is looked at or shown.
    private static string? ReadEnvelopeMailId(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object
                && message.TryGetProperty("mailId", out var id) && id.ValueKind == JsonValueKind.String
                && Guid.TryParse(id.GetString(), out var mailId)
                ? mailId.ToString("D")
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
