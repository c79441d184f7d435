namespace SmimePipeline.Worker.Configuration;

/// <summary>Settings of the sender role.</summary>
public sealed class SenderOptions
{
    /// <summary>Places by size (issue 17, target 2) unless the operator says otherwise: of 10 places, 2 for large mails.</summary>
    public const int DefaultLargeMailPlaces = 2;

    /// <summary>Mails handed to the ESP at once. Default 10 (SparkPost recommends at most 10 connections).</summary>
    public int Concurrency { get; set; } = 10;

    /// <summary>
    /// Places by size (issue 17, target 2): how many of the <see cref="Concurrency"/> delivery places mails that came by
    /// claim check (protected mail above <c>ClaimCheck:ThresholdBytes</c>) may hold at once; when a place is given back,
    /// the small mail that has waited longest gets it first (<c>DeliverySlots</c>). The sender then takes up to
    /// <c>2 × Concurrency</c> mails off <c>smime-deliver</c> at once (its prefetch), so that small mails wait for a place in
    /// that order rather than in the broker's. Default <see cref="DefaultLargeMailPlaces"/> (capped at
    /// <see cref="Concurrency"/>); 0 turns it off: <see cref="Concurrency"/> mails at once in the broker's order, as before
    /// session 11.
    /// </summary>
    public int LargeMailPlaces { get; set; } = DefaultLargeMailPlaces;

    /// <summary>Whether places by size are on (<see cref="LargeMailPlaces"/> above 0).</summary>
    public bool PlacesBySize => LargeMailPlaces > 0;

    /// <summary>The places large mails may hold: <see cref="LargeMailPlaces"/> capped at <see cref="Concurrency"/>, or all of
    /// them when places by size are off.</summary>
    public int EffectiveLargeMailPlaces => PlacesBySize ? Math.Min(LargeMailPlaces, Math.Max(1, Concurrency)) : Math.Max(1, Concurrency);

    /// <summary>
    /// The retry ladder: how long a mail waits after each failed attempt, e.g. "10s,1m,5m,30m,2h"
    /// (the default). One RabbitMQ queue <c>smime-deliver-retry-N</c> per step; after the last step
    /// the mail is dead-lettered. Units: ms, s, m, h.
    /// </summary>
    public string RetrySchedule { get; set; } = "10s,1m,5m,30m,2h";

    /// <summary>
    /// In-process retries before a mail goes onto the ladder, for blips of a second or two.
    /// Default "500ms,2s". Empty for none.
    /// </summary>
    public string ImmediateRetries { get; set; } = "500ms,2s";

    /// <summary>Transient failures in a row (across mails) that open the ESP's circuit breaker. Default 5.</summary>
    public int BreakerFailureThreshold { get; set; } = 5;

    /// <summary>How long consumption pauses when the breaker opens, before a probe. Default 30 s.</summary>
    public TimeSpan BreakerOpenDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long consumption pauses after a configuration error (401/403, TLS, AUTH) before trying again. Default 5 min.</summary>
    public TimeSpan ConfigurationErrorPause { get; set; } = TimeSpan.FromMinutes(5);
}
