namespace SmimePipeline.Delivery.Dsn;

/// <summary>
/// A delivery status notification (RFC 3464) as <see cref="DeliveryStatusReportReader"/> read it: which of our mails
/// it is about and what happened at each recipient.
/// </summary>
/// <param name="MailId">
/// The mail id: from Original-Envelope-Id (our <c>ENVID</c>), else from the returned <c>X-Smime-Mail-Id</c> header;
/// null when neither names a mail id.
/// </param>
/// <param name="ReportingMta">The Reporting-MTA field, when given.</param>
/// <param name="ArrivalDate">The Arrival-Date, when given and readable.</param>
/// <param name="Recipients">The per-recipient blocks, in order.</param>
public sealed record DeliveryStatusReport(Guid? MailId, string? ReportingMta, DateTimeOffset? ArrivalDate, IReadOnlyList<DsnRecipient> Recipients);
