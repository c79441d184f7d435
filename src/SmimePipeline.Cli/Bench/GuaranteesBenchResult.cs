namespace SmimePipeline.Cli.Bench;

/// <summary>What <c>smime bench guarantees</c> measured: the guarantees-only pipeline's CPU per mail and what it delivered.</summary>
/// <param name="Message">The mail size whose bytes travelled (standard by default).</param>
/// <param name="Messages">Mails published in the measured run (after the warm-up).</param>
/// <param name="Delivered">Distinct measured mails acknowledged after their whole hand-over (file, ledger, events).</param>
/// <param name="DuplicateDeliveries">Measured mails handled more than once (a redelivery); 0 in a healthy run.</param>
/// <param name="FilesWritten">Pickup files of measured mails found on disk at the end.</param>
/// <param name="LedgerAccepted">Ledger rows of measured mails in state Accepted at the end; null with the ledger off.</param>
/// <param name="EventsConfirmed">Events the broker confirmed in the measured run (two per mail); 0 with events off.</param>
/// <param name="QueueMessagesAfter">Messages left in the work queue after the run (ready + unacknowledged, by a passive declare).</param>
/// <param name="Seconds">From the first measured publish to the last measured ack.</param>
/// <param name="MessagesPerSecond">Delivered / Seconds.</param>
/// <param name="ProtectEmailBytes">Bytes of each published command (the standard mail's binary <c>ProtectEmail</c>).</param>
/// <param name="ProtectedBytes">Bytes of the pre-made protected blob copied per mail and written to the pickup file.</param>
/// <param name="EventBytes">Bytes of the two events' bodies (<c>EmailProtected</c>, <c>EmailDelivered</c>); null through MassTransit,
/// whose own serializer writes the product's events (their size is whatever the product's are).</param>
/// <param name="InFlight">Publishes the producer kept in flight.</param>
/// <param name="Prefetch">The consumer's prefetch; null through MassTransit, which derives it from the concurrent message limit.</param>
/// <param name="Concurrency">Mails the consumer handled at once.</param>
/// <param name="Switches">The guarantees switched off ("none" when all are kept).</param>
/// <param name="ProcessorCount">Cores this process may use.</param>
/// <param name="ProcessCpuMillisecondsPerMail">CPU time of this process (producer and consumer) over the measured run, per mail.</param>
/// <param name="BrokerCpuMillisecondsPerMail">The broker's (<c>--broker-pid</c>) over the same interval, per mail; null without it.</param>
/// <param name="MachineCpuMillisecondsPerMail">Busy CPU time of the whole machine over the same interval (<c>/proc/stat</c>), per mail; null without it.</param>
/// <param name="LatencyP50Milliseconds">Median publish → ack time of the measured mails.</param>
/// <param name="LatencyP99Milliseconds">99th percentile of it.</param>
/// <param name="Runtime">This process's GC and JIT settings (the same runtimeconfig as <c>bench pipeline</c>).</param>
/// <param name="WarmupJitSettle">The wait for the tiered JIT after the warm-up mails.</param>
/// <param name="SampleTraceId">The trace id of the first measured mail (one trace per mail: publish span, consume span).</param>
internal sealed record GuaranteesBenchResult(
    string Message,
    int Messages,
    int Delivered,
    int DuplicateDeliveries,
    int FilesWritten,
    int? LedgerAccepted,
    long EventsConfirmed,
    long QueueMessagesAfter,
    double Seconds,
    double MessagesPerSecond,
    int ProtectEmailBytes,
    int ProtectedBytes,
    IReadOnlyList<int>? EventBytes,
    int InFlight,
    int? Prefetch,
    int Concurrency,
    string Switches,
    int ProcessorCount,
    double ProcessCpuMillisecondsPerMail,
    double? BrokerCpuMillisecondsPerMail,
    double? MachineCpuMillisecondsPerMail,
    double LatencyP50Milliseconds,
    double LatencyP99Milliseconds,
    BenchRuntime Runtime,
    JitSettle WarmupJitSettle,
    string SampleTraceId)
{
    /// <summary>What carried the mails (<see cref="GuaranteesVia"/>): <c>raw</c> (RabbitMQ.Client) or <c>masstransit</c> (the product's bus).</summary>
    public string Via { get; init; } = "raw";

    /// <summary>Voluntary context switches of this process over the measured run, per mail (<c>getrusage</c>): a load-stable measure.</summary>
    public double? VoluntarySwitchesPerMail { get; init; }

    /// <summary>Bytes this process allocated over the measured run, per mail: a load-stable measure.</summary>
    public double? AllocatedBytesPerMail { get; init; }

    /// <summary>Each core's busy share over the measured run (<see cref="CoreCpuTime"/>); null without /proc/stat.</summary>
    public IReadOnlyList<double>? CoreUtilisation { get; init; }

    /// <summary>Mails per second the measured mails were published at (<c>--rate</c>); 0 = all at once.</summary>
    public double PublishRate { get; init; }

    /// <summary>With <c>--via masstransit</c>: how MassTransit's spans were made (<c>recorded</c>, <c>propagated</c> or
    /// <c>none</c>, <c>--masstransit-spans</c>; the product's setting by default); null for raw. Session 20.</summary>
    public string? MassTransitSpans { get; init; }

    /// <summary>With <c>--count-spans</c>: the measured run's spans per mail by source, name and whether they were recorded
    /// (<see cref="SpanCensus"/>); else null.</summary>
    public IReadOnlyList<SpanCount>? Spans { get; init; }
}
