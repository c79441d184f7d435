namespace SmimePipeline.Contracts;

/// <summary>
/// Implemented by exceptions that refuse a mail for a known reason. When such an exception ends a mail's
/// journey, the worker takes <see cref="ReasonCode"/> for the dead-letter headers, the
/// <see cref="EmailDeliveryFailed"/> event and the <c>smime_dead_letters_total{reason}</c> metric, and the
/// exception's message as the reason: both must name the cause (which address, which certificate, which
/// rule) and never contain message content, keys or passwords. An exception without this interface is
/// reported as <c>unexpected-error</c> with its type name only, never its message.
/// </summary>
public interface IHasReasonCode
{
    /// <summary>A stable, kebab-case reason code, e.g. <c>recipient-certificate-missing</c> or <c>esp-rejected</c>.</summary>
    string ReasonCode { get; }

    /// <summary>
    /// True when the same mail would fail the same way again (a refusal, malformed content): it is
    /// dead-lettered at once. False when a later attempt may succeed (an outage): it is retried first.
    /// </summary>
    bool IsPermanent { get; }
}
