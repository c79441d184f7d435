namespace SmimePipeline.Delivery;

/// <summary>Why a delivery failed, which decides what the sender worker does next.</summary>
public enum DeliveryFailureKind
{
    /// <summary>Temporary (SMTP 4xx, connection failure, timeout): retry later through the retry ladder.</summary>
    Transient,

    /// <summary>The provider's sending quota or rate limit is exhausted: retry after it resets.</summary>
    Quota,

    /// <summary>The provider refused this mail for good (SMTP 5xx): dead-letter it, retrying cannot help.</summary>
    Permanent,

    /// <summary>Our side is misconfigured (authentication or TLS failure): stop and alert; the mail is not at fault.</summary>
    Configuration,
}
