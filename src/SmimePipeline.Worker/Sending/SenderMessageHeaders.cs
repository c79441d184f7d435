using System.Globalization;
using MassTransit;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Messaging;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Sending;

/// <summary>Reads and writes the <see cref="SenderHeaders"/> on DeliverEmail messages.</summary>
internal static class SenderMessageHeaders
{
    /// <summary>
    /// Failed attempts so far: the header when it is a count the contract allows (0 to <see cref="ContractLimits.MaxAttempt"/>,
    /// as the message's own <see cref="DeliverEmail.Attempt"/>), else the message's own count. A header outside that is refused
    /// before the ESP (<see cref="ValidateAttempts"/>); a refusal's report reads the message's count then.
    /// </summary>
    public static int ReadAttempts(ConsumeContext<DeliverEmail> context)
        => AttemptsHeader(context) is { Valid: true } header ? header.Attempts : context.Message.Attempt;

    /// <summary>
    /// What is wrong with the <see cref="SenderHeaders.Attempt"/> header of <paramref name="context"/>, or null when it is
    /// absent or a count from 0 to <see cref="ContractLimits.MaxAttempt"/>. The bus is not a trust boundary: the header is
    /// read before the message's own count, and the handler indexes the retry schedule with it (session 16: a count of -3
    /// or 2,147,483,647 reached the ESP, then threw there on a transient failure).
    /// </summary>
    public static MailRefusal? ValidateAttempts(ConsumeContext<DeliverEmail> context)
        => AttemptsHeader(context) is { Valid: false }
            ? MailRefusal.Field($"Header {SenderHeaders.Attempt}", $"is not a count of failed attempts from 0 to {ContractLimits.MaxAttempt}")
            : null;

    private static (bool Valid, int Attempts)? AttemptsHeader(ConsumeContext<DeliverEmail> context)
    {
        if (!context.Headers.TryGetHeader(SenderHeaders.Attempt, out var value) || value is null)
        {
            return null;
        }

        return int.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.Integer, CultureInfo.InvariantCulture, out var attempts)
            && attempts is >= 0 and <= ContractLimits.MaxAttempt
            ? (true, attempts)
            : (false, 0);
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
