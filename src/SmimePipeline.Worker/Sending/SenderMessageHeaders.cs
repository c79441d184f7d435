using System.Globalization;
using MassTransit;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Messaging;

namespace SmimePipeline.Worker.Sending;

/// <summary>Reads and writes the <see cref="SenderHeaders"/> on DeliverEmail messages.</summary>
internal static class SenderMessageHeaders
{
    /// <summary>Failed attempts so far: the header, else the message's own count.</summary>
    public static int ReadAttempts(ConsumeContext<DeliverEmail> context)
    {
        if (context.Headers.TryGetHeader(SenderHeaders.Attempt, out var value) && value is not null
            && int.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.Integer, CultureInfo.InvariantCulture, out var attempts))
        {
            return attempts;
        }

        return context.Message.Attempt;
    }

    public static string ReadFailedAt(ConsumeContext<DeliverEmail> context)
        => context.Headers.TryGetHeader(SenderHeaders.FailedAt, out var value) ? Convert.ToString(value, CultureInfo.InvariantCulture) ?? "" : "";

    public static string AppendFailedAt(string history, DateTimeOffset at)
    {
        var stamp = at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        return history.Length == 0 ? stamp : $"{history},{stamp}";
    }

    public static void WriteRetry(SendContext<DeliverEmail> send, ConsumeContext<DeliverEmail> original, int attempts, string failedAt)
    {
        CopyCorrelation(send, original);
        send.Headers.Set(SenderHeaders.Attempt, attempts);
        send.Headers.Set(SenderHeaders.FailedAt, failedAt);
        send.Headers.Set(SenderHeaders.MailId, original.Message.MailId.ToString("D"));
    }

    public static void WriteDeadLetter(SendContext<DeliverEmail> send, ConsumeContext<DeliverEmail> original, DeadLetter deadLetter, DateTimeOffset now)
    {
        CopyCorrelation(send, original);
        send.Headers.Set(SenderHeaders.MailId, original.Message.MailId.ToString("D"));
        send.Headers.Set(SenderHeaders.Attempt, deadLetter.Attempts);
        send.Headers.Set(SenderHeaders.FailedAt, deadLetter.FailedAt);
        send.Headers.Set(SenderHeaders.ReasonCode, deadLetter.ReasonCode);
        send.Headers.Set(SenderHeaders.Reason, deadLetter.Reason);
        send.Headers.Set(SenderHeaders.Provider, deadLetter.Provider);
        send.Headers.Set(SenderHeaders.DeadLetteredAt, now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        if (deadLetter.EspAnswer is not null)
        {
            send.Headers.Set(SenderHeaders.EspAnswer, deadLetter.EspAnswer);
        }
    }

    private static void CopyCorrelation(SendContext send, ConsumeContext original)
    {
        // A retried or dead-lettered mail keeps the format it came in (binary or JSON, issue 17).
        DeliverEmailWireFormat.KeepReceivedFormat(send, original);
        send.CorrelationId = original.CorrelationId;
        send.ConversationId = original.ConversationId;
        send.InitiatorId = original.MessageId;
    }
}
