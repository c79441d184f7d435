using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace SmimePipeline.Delivery.Smtp;

/// <summary>
/// The one place that decides what an SMTP failure means for the mail (RFC 5321 section 4.2.1:
/// 4yz is a transient negative completion, 5yz a permanent one).
/// </summary>
public static class SmtpErrorClassifier
{
    /// <summary>
    /// Classifies an SMTP reply code: 4xx is <see cref="DeliveryFailureKind.Transient"/>; 5xx is
    /// <see cref="DeliveryFailureKind.Permanent"/>, except the authentication replies 530, 534, 535
    /// and 538 (RFC 4954 section 6), which mean our credentials or setup are wrong:
    /// <see cref="DeliveryFailureKind.Configuration"/>. Anything else is treated as transient.
    /// </summary>
    public static DeliveryFailureKind ClassifyReplyCode(int code) => code switch
    {
        530 or 534 or 535 or 538 => DeliveryFailureKind.Configuration,
        >= 500 and < 600 => DeliveryFailureKind.Permanent,
        _ => DeliveryFailureKind.Transient,
    };

    /// <summary>Formats an SMTP reply for <see cref="DeliveryException.ProviderResponse"/>: "550 text".</summary>
    public static string FormatReply(int code, string text) => $"{code} {text}";

    /// <summary>
    /// Turns an exception thrown while talking SMTP into a <see cref="DeliveryException"/>: reply codes
    /// by <see cref="ClassifyReplyCode"/>; authentication, TLS and missing STARTTLS support are
    /// <see cref="DeliveryFailureKind.Configuration"/>; connection failures, dropped connections and
    /// timeouts are <see cref="DeliveryFailureKind.Transient"/>. Returns null for exceptions that are
    /// not delivery failures (programming errors, caller cancellation), which must propagate unchanged.
    /// </summary>
    public static DeliveryException? Classify(Exception exception, string provider)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            DeliveryException delivery => delivery,
            SmtpCommandException command => new DeliveryException(
                ClassifyReplyCode((int)command.StatusCode), provider, FormatReply((int)command.StatusCode, command.Message),
                $"The SMTP server refused the mail ({command.ErrorCode}).", command),
            AuthenticationException auth => new DeliveryException(
                DeliveryFailureKind.Configuration, provider, auth.Message, "SMTP authentication failed: check the user name and password.", auth),
            SslHandshakeException tls => new DeliveryException(
                DeliveryFailureKind.Configuration, provider, null, "The TLS handshake with the SMTP server failed: check host name, port, security mode and the server certificate.", tls),
            System.Security.Authentication.AuthenticationException tls => new DeliveryException(
                DeliveryFailureKind.Configuration, provider, null, $"The TLS handshake with the SMTP server failed: {tls.Message}", tls),
            NotSupportedException notSupported => new DeliveryException(
                DeliveryFailureKind.Configuration, provider, null, $"The SMTP server lacks a required feature: {notSupported.Message}", notSupported),
            SmtpProtocolException protocol => new DeliveryException(
                DeliveryFailureKind.Transient, provider, null, $"The SMTP session broke off: {protocol.Message}", protocol),
            ServiceNotConnectedException notConnected => new DeliveryException(
                DeliveryFailureKind.Transient, provider, null, $"The SMTP connection was lost: {notConnected.Message}", notConnected),
            SocketException socket => new DeliveryException(
                DeliveryFailureKind.Transient, provider, null, $"Cannot connect to the SMTP server: {socket.Message}", socket),
            TimeoutException timeout => new DeliveryException(
                DeliveryFailureKind.Transient, provider, null, $"The SMTP server did not answer in time: {timeout.Message}", timeout),
            IOException io => new DeliveryException(
                DeliveryFailureKind.Transient, provider, null, $"The SMTP connection failed: {io.Message}", io),
            _ => null,
        };
    }
}
