namespace SmimePipeline.Worker.Webhooks;

/// <summary>A whole webhook request is refused (malformed JSON 400, too many entries 413); the message names the cause.</summary>
public sealed class RelayBatchException : Exception
{
    public RelayBatchException(int statusCode, string message)
        : base(message) => StatusCode = statusCode;

    public RelayBatchException()
        : this(StatusCodes.Status400BadRequest, "The webhook request is malformed.")
    {
    }

    public RelayBatchException(string message)
        : this(StatusCodes.Status400BadRequest, message)
    {
    }

    public RelayBatchException(string message, Exception innerException)
        : base(message, innerException) => StatusCode = StatusCodes.Status400BadRequest;

    /// <summary>The HTTP status to answer.</summary>
    public int StatusCode { get; }
}
