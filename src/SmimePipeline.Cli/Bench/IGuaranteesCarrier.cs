namespace SmimePipeline.Cli.Bench;

/// <summary>
/// What carries <c>smime bench guarantees</c>' mails (<see cref="GuaranteesVia"/>): the producer, the broker's work queue and
/// the consumer in front of <see cref="Handler"/>, started and consuming.
/// </summary>
internal interface IGuaranteesCarrier : IAsyncDisposable
{
    /// <summary>The guarantees' work each consumed mail gets.</summary>
    GuaranteesMailHandler Handler { get; }

    /// <summary>The consumer's prefetch; null when the bus derives it itself (MassTransit from the concurrent message limit).</summary>
    int? Prefetch { get; }

    /// <summary>Mails the consumer handles at once.</summary>
    int Concurrency { get; }

    /// <summary>
    /// Publishes the mails of <paramref name="phase"/>, flat out or at <paramref name="rate"/> mails per second; completes
    /// once the broker confirmed each.
    /// </summary>
    Task PublishAsync(GuaranteesPhase phase, double rate, CancellationToken cancellationToken);

    /// <summary>Stops consuming; the messages left in the work queue (ready + unacknowledged).</summary>
    Task<long> StopAsync(CancellationToken cancellationToken);
}
