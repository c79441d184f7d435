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
}
