namespace SmimePipeline.Testing.SparkPost;

/// <summary>One request the SparkPost fake received, and what it answered.</summary>
/// <param name="MailId">metadata.smime_mail_id, when the body had one.</param>
/// <param name="Authorization">The Authorization header as sent.</param>
/// <param name="ContentType">The Content-Type header as sent.</param>
/// <param name="Body">The raw request body (UTF-8 JSON).</param>
/// <param name="ReceivedAt">When the request arrived.</param>
/// <param name="Status">The HTTP status the fake answered (0 when it never answered: injected timeout).</param>
/// <param name="TransmissionId">The transmission id of an accepted request.</param>
public sealed record RecordedTransmission(
    string? MailId,
    string? Authorization,
    string? ContentType,
    string Body,
    DateTimeOffset ReceivedAt,
    int Status,
    string? TransmissionId);
