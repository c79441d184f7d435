using SmimePipeline.Contracts;

namespace SmimePipeline.Worker.Failures;

/// <summary>
/// Why a mail failed, as written into dead-letter headers, <see cref="EmailDeliveryFailed"/>, the
/// <c>smime_dead_letters_total{reason}</c> metric and the one log line. Taken from the exception: its
/// <see cref="IHasReasonCode"/> (e.g. <c>ProtectionRefusedException</c>, <c>DeliveryException</c>, or any
/// refusal another part of the worker throws) gives code, sentence and permanence; any other exception is
/// <c>unexpected-error</c> and only its type is named, never its message, which could carry content.
/// </summary>
/// <param name="ReasonCode">Machine-readable, kebab-case.</param>
/// <param name="Reason">A sentence for operators; never message content.</param>
/// <param name="IsPermanent">True when the same mail would fail the same way again: dead-letter at once.</param>
public sealed record FailureReason(string ReasonCode, string Reason, bool IsPermanent)
{
    /// <summary>The reason code of a failure nobody anticipated.</summary>
    public const string UnexpectedError = "unexpected-error";

    /// <summary>The reason for <paramref name="exception"/>.</summary>
    public static FailureReason Of(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is IHasReasonCode known && !string.IsNullOrWhiteSpace(known.ReasonCode))
        {
            return new FailureReason(known.ReasonCode, exception.Message, known.IsPermanent);
        }

        return new FailureReason(
            UnexpectedError,
            $"Unexpected {exception.GetType().Name} while handling the mail (details are in the worker's log under the mail id).",
            IsPermanent: false);
    }
}
