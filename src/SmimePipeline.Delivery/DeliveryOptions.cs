using SmimePipeline.Delivery.Pickup;
using SmimePipeline.Delivery.Smtp;
using SmimePipeline.Delivery.SparkPost;

namespace SmimePipeline.Delivery;

/// <summary>
/// Which transport delivers mail and its settings; bound from the
/// <c>SmimePipeline:Delivery</c> configuration section by <see cref="DeliveryServiceCollectionExtensions.AddMailTransport"/>.
/// </summary>
public sealed class DeliveryOptions
{
    /// <summary>The transport: "pickup" (default), "smtp" or "sparkpost", case-insensitive.</summary>
    public string Provider { get; set; } = PickupDirectoryTransport.TransportName;

    /// <summary>Settings used when <see cref="Provider"/> is "pickup".</summary>
    public PickupDirectoryOptions Pickup { get; set; } = new();

    /// <summary>Settings used when <see cref="Provider"/> is "smtp".</summary>
    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>Settings used when <see cref="Provider"/> is "sparkpost".</summary>
    public SparkPostOptions SparkPost { get; set; } = new();

    /// <summary>
    /// How long the selected provider may take to answer one call: <see cref="SparkPostOptions.Timeout"/>,
    /// <see cref="SmtpOptions.Timeout"/>, or 30 s for the pickup directory.
    /// </summary>
    public TimeSpan EffectiveTimeout =>
        string.Equals(Provider, SparkPostTransport.TransportName, StringComparison.OrdinalIgnoreCase) ? SparkPost.Timeout
        : string.Equals(Provider, SmtpTransport.TransportName, StringComparison.OrdinalIgnoreCase) ? Smtp.Timeout
        : TimeSpan.FromSeconds(30);
}
