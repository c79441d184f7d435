namespace SmimePipeline.Delivery.Pickup;

/// <summary>Settings of <see cref="PickupDirectoryTransport"/>.</summary>
public sealed class PickupDirectoryOptions
{
    /// <summary>Directory the <c>.eml</c> files are written to; created if missing. Required.</summary>
    public string Directory { get; set; } = "";
}
