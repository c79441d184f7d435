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

    /// <summary>
    /// Work items the thread pool completed over the measured run, per mail (<see cref="ThreadPool.CompletedWorkItemCount"/>):
    /// the hops, counted as <c>bench pipeline</c> counts them (<see cref="PipelineBenchResult.ThreadPoolWorkItemsPerMail"/>),
    /// so that the product's hops beyond the guarantees' can be read (issue 17, session 21). Null in reports that predate it.
    /// </summary>
    public double? ThreadPoolWorkItemsPerMail { get; init; }

    /// <summary>Each core's busy share over the measured run (<see cref="CoreCpuTime"/>); null without /proc/stat.</summary>
    public IReadOnlyList<double>? CoreUtilisation { get; init; }

    /// <summary>Mails per second the measured mails were published at (<c>--rate</c>); 0 = all at once.</summary>
    public double PublishRate { get; init; }

    /// <summary>0, or N: every Nth mail was a large one (<c>--large-every</c>, issue 17, session 20: target 2's ceiling).</summary>
    public int LargeEvery { get; init; }

    /// <summary>Large mails of the measured run whose pickup file was written.</summary>
    public int LargeDelivered { get; init; }

    /// <summary>
    /// Each small (not large) measured mail's publish → pickup file latency in ms, sorted: the file's modification time less
    /// the publish stamp on the files' clock, as <c>bench pipeline</c>'s <c>latenciesMilliseconds</c> (which bench.sh pools for
    /// target 2 and its ceiling). The publish includes the producer's claim <c>INSERT</c> for a large mail, as the product's.
    /// </summary>
    public IReadOnlyList<double>? LatenciesMilliseconds { get; init; }

    /// <summary>Median of <see cref="LatenciesMilliseconds"/> (publish → file, small mails).</summary>
    public double SmallLatencyP50Milliseconds { get; init; }

    /// <summary>99th percentile of <see cref="LatenciesMilliseconds"/> (nearest rank).</summary>
    public double SmallLatencyP99Milliseconds { get; init; }

    /// <summary>Median publish → file latency of the large mails; 0 without any.</summary>
    public double LargeLatencyP50Milliseconds { get; init; }

    /// <summary>99th percentile of the large mails' publish → file latency; 0 without any.</summary>
    public double LargeLatencyP99Milliseconds { get; init; }

    /// <summary>
    /// The bytes of a large mail's command: its binary <c>ProtectEmail</c> through the quorum queue, or (claim check) the
    /// claim stored in PostgreSQL (24-byte preamble + the same body); null without large mails.
    /// </summary>
    public int? LargeCommandBytes { get; init; }

    /// <summary>The body the work queue carried for a large mail: the command inline, or the reference to its claim; null without large mails.</summary>
    public int? LargeQueueBodyBytes { get; init; }

    /// <summary>The pickup file each large mail wrote (a real protection of the large mail, made before the run); null without large mails.</summary>
    public int? LargeProtectedBytes { get; init; }

    /// <summary>Whether large commands went through the product's producer claim store in PostgreSQL (<c>--postgres</c>).</summary>
    public bool ProducerClaimCheck { get; init; }

    /// <summary>This run's consumed claims deleted at its end (warm-up's included), as <c>bench pipeline</c> does; null without <c>--postgres</c>.</summary>
    public int? ProducerClaimsDeleted { get; init; }

    /// <summary>CPU of the PostgreSQL server's processes over the measured run, per mail; null without <c>--postgres</c> or on another host.</summary>
    public double? PostgresCpuMillisecondsPerMail { get; init; }
    /// <summary>With <c>--via masstransit</c>: how MassTransit's spans were made (<c>recorded</c>, <c>propagated</c> or
    /// <c>none</c>, <c>--masstransit-spans</c>; the product's setting by default); null for raw. Session 20.</summary>
    public string? MassTransitSpans { get; init; }

    /// <summary>With <c>--count-spans</c>: the measured run's spans per mail by source, name and whether they were recorded
    /// (<see cref="SpanCensus"/>); else null.</summary>
    public IReadOnlyList<SpanCount>? Spans { get; init; }

    /// <summary>With <c>--allocations-by-type</c>: the measured run's allocated bytes per mail by type, sampled
    /// (<see cref="AllocationSampler"/>, the 100 types with the most); else null. Session 21.</summary>
    public IReadOnlyList<AllocationSample>? AllocationsByType { get; init; }
}
