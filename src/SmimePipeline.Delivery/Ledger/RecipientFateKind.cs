namespace SmimePipeline.Delivery.Ledger;

/// <summary>What happened to a mail at one recipient after the ESP accepted it.</summary>
public enum RecipientFateKind
{
    /// <summary>The recipient's server accepted it.</summary>
    Delivered,

    /// <summary>A temporary failure; the ESP keeps trying.</summary>
    Delayed,

    /// <summary>It bounced (in band or out of band) or the ESP refused it by policy.</summary>
    Bounced,

    /// <summary>The recipient reported it as spam.</summary>
    Complained,
}
