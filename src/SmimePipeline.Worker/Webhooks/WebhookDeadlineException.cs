namespace SmimePipeline.Worker.Webhooks;

/// <summary>
/// A webhook request reached its <see cref="WebhookDeadline"/> before its hand-over to the ledger or RabbitMQ ended: it is
/// answered 503 (<see cref="WebhookRefusal.HandOverTimedOut"/>) so that the provider retries.
/// </summary>
public sealed class WebhookDeadlineException : Exception
{
    /// <summary>Creates the exception for a request that had <paramref name="limit"/> in all.</summary>
    public WebhookDeadlineException(TimeSpan limit)
        : base($"The hand-over did not end within {WebhooksOptions.SectionName}:HandOverTimeout ({limit}).")
    {
        Limit = limit;
    }

    /// <summary>Creates the exception with a message of the caller's.</summary>
    public WebhookDeadlineException()
    {
    }

    /// <summary>Creates the exception with a message of the caller's.</summary>
    public WebhookDeadlineException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception of the caller's.</summary>
    public WebhookDeadlineException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The time the request had in all (<see cref="WebhooksOptions.HandOverTimeout"/>).</summary>
    public TimeSpan Limit { get; }
}
