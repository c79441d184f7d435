using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace SmimePipeline.Delivery.Smtp;

/// <summary>
/// The one place that decides what an SMTP failure means for the mail (RFC 5321 section 4.2.1:
/// 4yz is a transient negative completion, 5yz a permanent one). It is total: every reply code and
/// every exception maps to a class, and nothing throws.
/// </summary>
public static class SmtpErrorClassifier
{
    /// <summary>The longest server text kept for logs, headers and events.</summary>
    public const int MaxReplyTextLength = 300;

    /// <summary>
    /// Classifies an SMTP reply code: 4xx is <see cref="DeliveryFailureKind.Transient"/>; 5xx is
    /// <see cref="DeliveryFailureKind.Permanent"/>, except the authentication replies 530, 534, 535
    /// and 538 (RFC 4954 section 6), which mean our credentials or setup are wrong:
    /// <see cref="DeliveryFailureKind.Configuration"/>. Anything else (a success code where a refusal was
    /// reported, a code out of range) is treated as transient.
    /// </summary>
    public static DeliveryFailureKind ClassifyReplyCode(int code) => code switch
    {
        530 or 534 or 535 or 538 => DeliveryFailureKind.Configuration,
        >= 500 and < 600 => DeliveryFailureKind.Permanent,
        _ => DeliveryFailureKind.Transient,
    };

    /// <summary>Formats an SMTP reply for <see cref="DeliveryException.ProviderResponse"/>: "550 text", one line, clipped.</summary>
    public static string FormatReply(int code, string? text)
    {
        var clean = (text ?? "").Length > MaxReplyTextLength ? text![..MaxReplyTextLength] : text ?? "";
        clean = string.Concat(clean.Select(c => char.IsControl(c) ? ' ' : c));
        return $"{code} {clean}";
    }

    /// <summary>
    /// Turns an exception thrown while talking SMTP into a <see cref="DeliveryException"/>: reply codes
    /// by <see cref="ClassifyReplyCode"/>; authentication, TLS and missing STARTTLS support are
    /// <see cref="DeliveryFailureKind.Configuration"/>; connection failures, dropped connections and
    /// timeouts are <see cref="DeliveryFailureKind.Transient"/>; anything else (including a bug) is
    /// <see cref="DeliveryFailureKind.Transient"/> with reason <c>smtp-unexpected-error</c>, so that the mail
    /// stays on the retry ladder and ends in the dead-letter queue at worst, never outside it.
    /// </summary>
    /// <param name="exception">What was thrown.</param>
    /// <param name="provider">The transport's name.</param>
    /// <param name="mailMayHaveReachedServer">
    /// False when the exception happened before the mail was offered (connect, TLS, AUTH): then the
    /// server cannot have accepted it. True (the default) during the mail transaction: a lost connection
    /// after DATA leaves the outcome unknown (<see cref="DeliveryException.MayHaveBeenAccepted"/>).
    /// </param>
    public static DeliveryException Classify(Exception exception, string provider, bool mailMayHaveReachedServer = true)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var unknownOutcome = mailMayHaveReachedServer;
        return exception switch
        {
            DeliveryException delivery => delivery,
            SmtpCommandException command => new DeliveryException(
                ClassifyReplyCode((int)command.StatusCode), provider, FormatReply((int)command.StatusCode, command.Message),
                $"The SMTP server refused the mail ({command.ErrorCode}).", command)
            {
                ReasonCode = ClassifyReplyCode((int)command.StatusCode) == DeliveryFailureKind.Permanent ? "esp-rejected" : null,
            },
            AuthenticationException auth => new DeliveryException(
                DeliveryFailureKind.Configuration, provider, Clip(auth.Message), "SMTP authentication failed: check the user name and password.", auth),
            SslHandshakeException tls => new DeliveryException(
                DeliveryFailureKind.Configuration, provider, null, "The TLS handshake with the SMTP server failed: check host name, port, security mode and the server certificate.", tls),
            System.Security.Authentication.AuthenticationException tls => new DeliveryException(
                DeliveryFailureKind.Configuration, provider, null, $"The TLS handshake with the SMTP server failed: {Clip(tls.Message)}", tls),
            NotSupportedException notSupported => new DeliveryException(
                DeliveryFailureKind.Configuration, provider, null, $"The SMTP server lacks a required feature: {Clip(notSupported.Message)}", notSupported),
            SmtpProtocolException protocol => new DeliveryException(
                DeliveryFailureKind.Transient, provider, null, $"The SMTP session broke off: {Clip(protocol.Message)}", protocol)
            { ReasonCode = "esp-connection-lost", MayHaveBeenAccepted = unknownOutcome },
            ServiceNotConnectedException notConnected => new DeliveryException(
                DeliveryFailureKind.Transient, provider, null, $"The SMTP connection was lost: {Clip(notConnected.Message)}", notConnected)
            { ReasonCode = "esp-connection-lost", MayHaveBeenAccepted = unknownOutcome },
            SocketException socket => new DeliveryException(
                DeliveryFailureKind.Transient, provider, null, $"Cannot connect to the SMTP server: {Clip(socket.Message)}", socket)
            { ReasonCode = unknownOutcome ? "esp-connection-lost" : "esp-unreachable", MayHaveBeenAccepted = unknownOutcome },
            TimeoutException or OperationCanceledException => new DeliveryException(
                DeliveryFailureKind.Transient, provider, null, "The SMTP server did not answer in time.", exception)
            { ReasonCode = "esp-timeout", MayHaveBeenAccepted = unknownOutcome },
            IOException io => new DeliveryException(
                DeliveryFailureKind.Transient, provider, null, $"The SMTP connection failed: {Clip(io.Message)}", io)
            { ReasonCode = "esp-connection-lost", MayHaveBeenAccepted = unknownOutcome },
            // Not the exception's message: an unknown exception may carry anything.
            _ => new DeliveryException(
                DeliveryFailureKind.Transient, provider, null, $"The SMTP exchange failed unexpectedly ({exception.GetType().Name}).", exception)
            { ReasonCode = "smtp-unexpected-error", MayHaveBeenAccepted = unknownOutcome },
        };
    }

    private static string Clip(string text) => text.Length > MaxReplyTextLength ? text[..MaxReplyTextLength] : text;
}
