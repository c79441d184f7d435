namespace SmimePipeline.Delivery.Dsn;

/// <summary>
/// The mail is not a readable delivery status notification (RFC 3464), or it contradicts itself. The message names
/// the cause (which field, which part); never the returned content.
/// </summary>
public sealed class DeliveryStatusReportException : Exception
{
    /// <summary>Creates the exception with a generic message.</summary>
    public DeliveryStatusReportException()
        : this("The mail is not a readable delivery status notification.")
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The cause.</param>
    public DeliveryStatusReportException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The cause.</param>
    /// <param name="innerException">The parser's failure.</param>
    public DeliveryStatusReportException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
