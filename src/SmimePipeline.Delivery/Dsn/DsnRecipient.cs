namespace SmimePipeline.Delivery.Dsn;

/// <summary>One per-recipient block of a delivery status notification (RFC 3464 §2.3).</summary>
/// <param name="Recipient">The address of Final-Recipient (<c>rfc822;</c> type), or of Original-Recipient when only that is given.</param>
/// <param name="Action">The Action field, lower-case: <c>failed</c>, <c>delayed</c>, <c>delivered</c>, <c>relayed</c> or <c>expanded</c>.</param>
/// <param name="Status">The Status field, e.g. <c>5.1.1</c>.</param>
/// <param name="DiagnosticCode">The Diagnostic-Code field (e.g. <c>smtp; 550 5.1.1 user unknown</c>), when given.</param>
/// <param name="LastAttempt">The Last-Attempt-Date, when given and readable.</param>
public sealed record DsnRecipient(string Recipient, string Action, string Status, string? DiagnosticCode, DateTimeOffset? LastAttempt);
