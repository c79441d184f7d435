namespace SmimePipeline.Worker.Sending;

/// <summary>Why a mail is dead-lettered, written into the dead-letter message's headers.</summary>
/// <param name="ReasonCode">Machine-readable, e.g. <c>esp-rejected</c>, <c>retries-exhausted</c>, <c>message-too-large</c>.</param>
/// <param name="Reason">A sentence for operators.</param>
/// <param name="EspAnswer">The ESP's last answer, when it gave one.</param>
/// <param name="Provider">The transport that failed.</param>
/// <param name="Attempts">Failed delivery attempts, this one included.</param>
/// <param name="FailedAt">When each attempt failed (ISO 8601, comma-separated).</param>
public sealed record DeadLetter(string ReasonCode, string Reason, string? EspAnswer, string Provider, int Attempts, string FailedAt);
