namespace SmimePipeline.Worker.Sending;

/// <summary>
/// Message headers the sender writes on retried and dead-lettered mail. They are read by the sender
/// (the attempt count) and by operators (<c>smime dlq show</c>).
/// </summary>
public static class SenderHeaders
{
    /// <summary>Failed delivery attempts so far (0 or absent on the first try).</summary>
    public const string Attempt = "smime-attempt";

    /// <summary>When each failed attempt happened (ISO 8601, UTC, comma-separated).</summary>
    public const string FailedAt = "smime-failed-at";

    /// <summary>The mail id, so the dead-letter queue can be searched without reading bodies.</summary>
    public const string MailId = "smime-mail-id";

    /// <summary>Machine-readable reason for dead-lettering, e.g. <c>esp-rejected</c>, <c>retries-exhausted</c>, <c>message-too-large</c>.</summary>
    public const string ReasonCode = "smime-reason-code";

    /// <summary>The reason as a sentence for operators.</summary>
    public const string Reason = "smime-reason";

    /// <summary>The ESP's answer (status code and text), when it gave one.</summary>
    public const string EspAnswer = "smime-esp-answer";

    /// <summary>The transport that failed (sparkpost, smtp, pickup).</summary>
    public const string Provider = "smime-provider";

    /// <summary>When the mail was dead-lettered (ISO 8601, UTC).</summary>
    public const string DeadLetteredAt = "smime-dead-lettered-at";

    /// <summary>When an operator requeued the mail from the dead-letter queue (ISO 8601, UTC).</summary>
    public const string RequeuedAt = "smime-requeued-at";
}
