using MailKit;

namespace SmimePipeline.Delivery.Smtp;

/// <summary>Settings of <see cref="SmtpTransport"/>.</summary>
public sealed class SmtpOptions
{
    /// <summary>Host name or address of the SMTP server. Required.</summary>
    public string Host { get; set; } = "";

    /// <summary>TCP port. Default 587 (submission with STARTTLS).</summary>
    public int Port { get; set; } = 587;

    /// <summary>Connection security. Default <see cref="SmtpSecurity.StartTls"/>.</summary>
    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    /// <summary>User name for SMTP AUTH; no authentication when empty.</summary>
    public string? UserName { get; set; }

    /// <summary>Password for SMTP AUTH. Prefer <see cref="PasswordFile"/> so the secret stays out of configuration.</summary>
    public string? Password { get; set; }

    /// <summary>File holding the password (e.g. a mounted Kubernetes secret); trailing line breaks are ignored.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>
    /// Mails sent over one connection before it is closed and a new one opened. Default 100 (SparkPost's
    /// relay recommends about 100); 1 opens a connection per mail.
    /// </summary>
    public int MaxMessagesPerConnection { get; set; } = 100;

    /// <summary>Connections open at once (the sender's concurrency towards this relay). Default 10.</summary>
    public int MaxConnections { get; set; } = 10;

    /// <summary>Limit for connecting and for each SMTP command. Default 30 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// When the server offers the DSN extension (RFC 3461), the delivery status notifications asked for each
    /// recipient (<c>NOTIFY=</c>). Default <c>Failure, Delay</c>; <c>Never</c> asks for none; null sends no DSN
    /// parameters at all. The envelope id (<c>ENVID=</c>) is always the mail id and only headers are asked back
    /// (<c>RET=HDRS</c>), so a bounce maps back to its mail without returning the content.
    /// </summary>
    public DeliveryStatusNotification? Notify { get; set; } = DeliveryStatusNotification.Failure | DeliveryStatusNotification.Delay;
}
