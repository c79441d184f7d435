namespace SmimePipeline.Contracts;

/// <summary>
/// The one size limit that producers, the client library, the CLI and every worker role agree on.
/// SparkPost refuses transmissions above 20 MB, so a protected message larger than that can never be
/// delivered there; the same default holds for SMTP and the pickup directory so that a mail's fate does
/// not depend on the ESP chosen. Deployments may lower or raise it (<c>SmimePipeline:MaxMessageBytes</c>).
/// </summary>
public static class MessageSizeLimits
{
    /// <summary>The default limit on a protected message, in bytes: 20,000,000 (SparkPost's own limit).</summary>
    public const int DefaultMaxMessageBytes = 20_000_000;
}
