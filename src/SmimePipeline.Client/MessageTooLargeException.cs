namespace SmimePipeline.Client;

/// <summary>
/// The mail would exceed the pipeline's size limit once protected, so it was not sent: the broker was not touched.
/// The message names the mail, its size and the limit.
/// </summary>
public sealed class MessageTooLargeException : ArgumentException
{
    public MessageTooLargeException(Guid mailId, long estimatedBytes, int limitBytes)
        : base($"Mail {mailId} would be at least {estimatedBytes} bytes once protected, above the pipeline's limit of {limitBytes} bytes (SmimePipeline:MaxMessageBytes); it was not sent.")
    {
        MailId = mailId;
        EstimatedBytes = estimatedBytes;
        LimitBytes = limitBytes;
    }

    public MessageTooLargeException()
        : base("The mail is above the pipeline's size limit; it was not sent.")
    {
    }

    public MessageTooLargeException(string message)
        : base(message)
    {
    }

    public MessageTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The mail's id.</summary>
    public Guid MailId { get; }

    /// <summary>A lower bound of the protected message's size.</summary>
    public long EstimatedBytes { get; }

    /// <summary>The limit it exceeds.</summary>
    public int LimitBytes { get; }
}
