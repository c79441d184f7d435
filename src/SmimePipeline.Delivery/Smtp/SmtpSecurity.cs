namespace SmimePipeline.Delivery.Smtp;

/// <summary>How <see cref="SmtpTransport"/> protects the connection to the SMTP server.</summary>
public enum SmtpSecurity
{
    /// <summary>Plain text; only for servers on loopback or a trusted network.</summary>
    None,

    /// <summary>STARTTLS is required (port 587); fails if the server does not offer it.</summary>
    StartTls,

    /// <summary>STARTTLS when the server offers it, plain text otherwise.</summary>
    StartTlsWhenAvailable,

    /// <summary>TLS from the first byte (implicit TLS, port 465).</summary>
    SslOnConnect,
}
