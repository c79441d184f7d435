namespace SmimePipeline.Worker.Configuration;

/// <summary>Settings of the sender role.</summary>
public sealed class SenderOptions
{
    /// <summary>Mails handed to the ESP at once. Default 10 (SparkPost recommends at most 10 connections).</summary>
    public int Concurrency { get; set; } = 10;

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
