namespace SmimePipeline.Delivery;

/// <summary>A protected message ready for delivery, with its SMTP envelope.</summary>
/// <param name="MailId">The pipeline's id of the mail; transports use it to make delivery idempotent.</param>
/// <param name="EnvelopeFrom">The envelope sender (MAIL FROM / return path), independent of the From header.</param>
/// <param name="EnvelopeTo">The envelope recipients (RCPT TO), independent of the To/Cc headers.</param>
/// <param name="Content">
/// The complete RFC 5322 message with CRLF line ends. It is signed: transports send these bytes unchanged.
/// </param>
public sealed record OutgoingMail(Guid MailId, string EnvelopeFrom, IReadOnlyList<string> EnvelopeTo, ReadOnlyMemory<byte> Content);
