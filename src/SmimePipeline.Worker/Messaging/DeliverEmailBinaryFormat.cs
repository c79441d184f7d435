using System.Net.Mime;
using SmimePipeline.Worker.Sending;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Messaging;

/// <summary>
/// The binary wire format of <c>DeliverEmail</c> (issue 17): the message body is exactly the protected mail's bytes
/// (empty when the mail travels by claim check), and the other fields travel as transport headers, so the ≈78 KB of a
/// standard mail are neither base64-encoded by the signer nor parsed and decoded by the sender. MassTransit's own
/// fields (message, conversation, initiator, request ids, addresses) travel as in its raw serializers; the trace
/// context (<c>traceparent</c>) is a transport header in either format.
/// </summary>
public static class DeliverEmailBinaryFormat
{
    /// <summary>The media type, without the version parameter.</summary>
    public const string MediaType = "application/vnd.smimepipeline.deliver-email";

    /// <summary>The only version this build writes and reads (the content type's <c>v</c> parameter).</summary>
    public const string Version = "1";

    /// <summary>The mail id, a GUID in its <c>D</c> form. Required.</summary>
    public const string MailIdHeader = SenderHeaders.MailId;

    /// <summary>The envelope sender (SMTP MAIL FROM). Required.</summary>
    public const string EnvelopeFromHeader = "smime-envelope-from";

    /// <summary>The envelope recipients, comma-separated (an address the contract accepts has no comma). Required.</summary>
    public const string EnvelopeToHeader = "smime-envelope-to";

    /// <summary>The claim check's address when the mail is not in the body. Optional.</summary>
    public const string ContentAddressHeader = "smime-content-address";

    /// <summary>What the signer applied: <c>Signature</c>, <c>Encryption</c> or <c>SignatureAndEncryption</c>. Optional, as in JSON.</summary>
    public const string ProtectionHeader = "smime-protection";

    /// <summary>Failed delivery attempts so far, an integer; absent means 0. The retry ladder's own header.</summary>
    public const string AttemptHeader = SenderHeaders.Attempt;

    /// <summary>Longest accepted value of the address headers other than <see cref="EnvelopeToHeader"/>.</summary>
    public const int MaxTextHeaderLength = 2_048;

    /// <summary>
    /// Longest accepted <see cref="EnvelopeToHeader"/>: the contract's recipient limit of maximal addresses. A sender
    /// refuses a longer value as unreadable; the signer sends mail whose headers would pass
    /// <see cref="MaxSignerHeaderBytes"/> as JSON instead.
    /// </summary>
    public const int MaxEnvelopeToLength = ContractLimits.MaxRecipients * (ContractLimits.MaxAddressLength + 1);

    /// <summary>
    /// Above this many characters of envelope headers the signer sends that mail in JSON: an AMQP content header must
    /// fit into one frame (RabbitMQ's <c>frame_max</c>, 128 KB by default), a JSON body need not.
    /// </summary>
    public const int MaxSignerHeaderBytes = 32_768;

    /// <summary>The content type the signer writes: <c>application/vnd.smimepipeline.deliver-email; v=1</c>.</summary>
    public static ContentType ContentType => new($"{MediaType}; v={Version}");

    /// <summary>Whether <paramref name="contentType"/> names this format (any version).</summary>
    public static bool Is(ContentType? contentType) =>
        string.Equals(contentType?.MediaType, MediaType, StringComparison.OrdinalIgnoreCase);
}
