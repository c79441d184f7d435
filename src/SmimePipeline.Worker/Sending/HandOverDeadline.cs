using Microsoft.Extensions.Options;
using SmimePipeline.Delivery;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// The cancellation that governs a hand-over to the ESP. It is deliberately not the message's token:
/// MassTransit cancels that one when the broker connection drops, and abandoning a request the ESP has
/// already accepted is what sends mail twice. A hand-over ends on its own terms only: the ESP answers,
/// the <see cref="Limit"/> passes (the provider's timeout plus <see cref="Margin"/>), or the host has been
/// stopping for <see cref="SmimePipelineOptions.ShutdownTimeout"/> (its grace period).
/// </summary>
public sealed class HandOverDeadline : IDisposable
{
    /// <summary>Time allowed beyond the provider's own timeout for connecting, TLS and the ledger writes.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(15);

    private readonly CancellationTokenSource _shutdown;
    private readonly CancellationTokenRegistration _stopping;

    public HandOverDeadline(IHostApplicationLifetime lifetime, IOptions<SmimePipelineOptions> options, IOptions<DeliveryOptions> delivery, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(lifetime);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(delivery);
        Limit = delivery.Value.EffectiveTimeout + Margin;
        var grace = options.Value.ShutdownTimeout;
        _shutdown = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        _stopping = lifetime.ApplicationStopping.Register(() => _shutdown.CancelAfter(grace));
    }

    /// <summary>
    /// The longest a hand-over may take. A ledger claim older than this belongs to a sender that stopped
    /// (<see cref="Delivery.Ledger.IDeliveryLedger.ClaimHandOverAsync"/>).
    /// </summary>
    public TimeSpan Limit { get; }

    /// <summary>True once the host's grace period is over and hand-overs are being cancelled.</summary>
    public bool GraceExpired => _shutdown.IsCancellationRequested;

    /// <summary>A token for one hand-over: cancelled after <see cref="Limit"/> or when the grace period ends.</summary>
    public CancellationTokenSource Start()
    {
        var handOver = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        handOver.CancelAfter(Limit);
        return handOver;
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _shutdown.Dispose();
    }
}
