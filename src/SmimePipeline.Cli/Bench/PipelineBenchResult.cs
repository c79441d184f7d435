namespace SmimePipeline.Cli.Bench;

/// <summary>What <c>smime bench pipeline</c> measures end to end, publish to pickup file.</summary>
/// <param name="Message">small, standard or large.</param>
/// <param name="Messages">Mails published.</param>
/// <param name="Delivered">Mails that reached the pickup directory.</param>
/// <param name="Seconds">From the first publish to the last file.</param>
/// <param name="MessagesPerSecond">Delivered / Seconds.</param>
/// <param name="LatencyP50Milliseconds">Median publish-to-file latency of the mails of <paramref name="Message"/>'s size.</param>
/// <param name="LatencyP99Milliseconds">99th percentile publish-to-file latency of those mails.</param>
/// <param name="LatencyMaxMilliseconds">Slowest of those mails.</param>
/// <param name="Protected">Mails the in-process signer protected (its counter at the end).</param>
/// <param name="Failed">Mails dead-lettered during the run.</param>
/// <param name="SampleTraceId">The trace id of the first mail, traced end to end.</param>
/// <param name="ProcessorCount">Cores this process may use.</param>
/// <param name="ProcessCpuMillisecondsPerMail">CPU time of this process (publisher, signer, sender) from the first publish to the last mail, per mail.</param>
/// <param name="MachineCpuMillisecondsPerMail">
/// Busy CPU time of the whole machine over the same interval, per mail: this process plus the broker, the kernel
/// and anything else running. Null where /proc/stat is missing. ProcessorCount × 1000 / this is the most mails per
/// second the machine could carry with every core busy.
/// </param>
/// <param name="LargeEvery">0, or N: every Nth mail was a large one (≈1.5 MB attachment).</param>
/// <param name="PublishRate">Mails per second published at; 0 = all at once.</param>
/// <param name="LargeDelivered">Large mails that reached the pickup directory.</param>
/// <param name="LargeLatencyP50Milliseconds">Median latency of the large mails.</param>
/// <param name="LargeLatencyP99Milliseconds">99th percentile latency of the large mails.</param>
/// <param name="ProducerClaimCheckThresholdBytes">With <c>--postgres</c>: the producer claim check's threshold (commands above it travelled by claim); null when it was off.</param>
/// <param name="BrokerCpuMillisecondsPerMail">CPU time of the broker's process (<c>--broker-pid</c>) over the same interval as
/// <paramref name="ProcessCpuMillisecondsPerMail"/>, per mail; null when no broker process was given.</param>
/// <param name="Roles">With <c>--roles</c>: each role's CPU per mail, measured apart after the run; else null.</param>
/// <param name="Stages">Where the mails of <paramref name="Message"/>'s size spent their time, stage by stage, and how full
/// each bounded place was (<see cref="StageRecorder"/>); null with <c>--no-stages</c>.</param>
/// <param name="LargeStages">The same for the large mails; null without them or with <c>--no-stages</c>.</param>
/// <param name="ProducerInFlight">Publishes the bench kept in flight (<c>--in-flight</c>, a sliding window).</param>
/// <param name="Runtime">The GC and JIT settings of this process, to compare with the worker's.</param>
internal sealed record PipelineBenchResult(
    string Message,
    int Messages,
    int Delivered,
    double Seconds,
    double MessagesPerSecond,
    double LatencyP50Milliseconds,
    double LatencyP99Milliseconds,
    double LatencyMaxMilliseconds,
    long Protected,
    long Failed,
    string SampleTraceId,
    int ProcessorCount,
    double ProcessCpuMillisecondsPerMail,
    double? MachineCpuMillisecondsPerMail,
    int LargeEvery,
    double PublishRate,
    int LargeDelivered,
    double LargeLatencyP50Milliseconds,
    double LargeLatencyP99Milliseconds,
    double? BrokerCpuMillisecondsPerMail = null,
    PipelineRoles? Roles = null,
    PipelineStages? Stages = null,
    PipelineStages? LargeStages = null,
    int ProducerInFlight = 0,
    BenchRuntime? Runtime = null,
    int? ProducerClaimCheckThresholdBytes = null)
{
    /// <summary>Each core's busy share from the first publish to the last mail (<see cref="CoreCpuTime"/>): with the broker
    /// and smime pinned to cores of their own, each one's utilisation; null without /proc/stat.</summary>
    public IReadOnlyList<double>? CoreUtilisation { get; init; }

    /// <summary>Each core's share in interrupts over the same interval (<see cref="CoreCpuTime.InterruptShare"/>): the
    /// kernel's work for the traffic, charged to no process; null without /proc/stat.</summary>
    public IReadOnlyList<double>? CoreInterruptShare { get; init; }

    /// <summary>The stages of the slowest 1 % of the <see cref="Message"/> mails (those whose publish → file time is at or
    /// above the p99): where the tail spent its time, which the stages' own p99s (each over other mails) do not say
    /// (session 15); null with <c>--no-stages</c>.</summary>
    public PipelineStages? SlowestStages { get; init; }

    /// <summary>With <c>--backlog N</c>, N: the producer kept at most N mails between publish and delivery (a closed
    /// loop, <see cref="PipelineBacklog"/>); null for an open-loop producer.</summary>
    public int? Backlog { get; init; }

    /// <summary>With <c>--postgres</c> and the server on this machine: the CPU time of PostgreSQL's processes (postmaster,
    /// backends, WAL writer, checkpointer; <see cref="PostgresServerCpuTime"/>) over the same interval as
    /// <see cref="ProcessCpuMillisecondsPerMail"/>, per mail; null without the claim check or for a server elsewhere.</summary>
    public double? PostgresCpuMillisecondsPerMail { get; init; }

    /// <summary>Every publish-to-file latency of the mails of <see cref="Message"/>'s size, sorted, in ms (0.1 ms): what
    /// <c>scripts/bench.sh</c> pools over rounds for target 2's pooled p99.</summary>
    public IReadOnlyList<double>? LatenciesMilliseconds { get; init; }

    /// <summary>With <c>--postgres</c>: this run's producer claims deleted after the run because the signer had consumed
    /// them (<see cref="BenchClaimIds"/>); null without the claim check.</summary>
    public int? ProducerClaimsDeleted { get; init; }

    /// <summary>Methods the JIT compiled in this process from the first publish to the last mail (<see cref="JitActivity"/>):
    /// near 0 once the warm-up has really finished.</summary>
    public long JitMethodsCompiled { get; init; }

    /// <summary>Time spent in the JIT over the same interval, per mail: the wall time of its compilations, so on a busy
    /// core it includes waiting to run and can exceed the process's CPU; compare <see cref="JitMethodsCompiled"/> between
    /// runs.</summary>
    public double JitMillisecondsPerMail { get; init; }

    /// <summary>Managed bytes this process allocated from the first publish to the last mail, per mail (all threads,
    /// <see cref="GC.GetTotalAllocatedBytes(bool)"/>): producer, signer, sender and the bench's own bookkeeping together. Read it
    /// with <see cref="AllocationCheck"/>: under server GC with DATAS the runtime's total can lose a whole heap's count.</summary>
    public double AllocatedBytesPerMail { get; init; }

    /// <summary>Whether <see cref="AllocatedBytesPerMail"/> can be trusted, and why (<see cref="AllocationCheck"/>: the GC's heap
    /// count at both reads, and with <c>--allocation-check</c> the runtime's allocation ticks); null in reports that predate
    /// session 23.</summary>
    public AllocationCheck? AllocationCheck { get; init; }

    /// <summary>Garbage collections over the same interval, per 1,000 mails: gen 0 (every collection) and gen 2.</summary>
    public double Gen0CollectionsPerThousandMails { get; init; }

    /// <inheritdoc cref="Gen0CollectionsPerThousandMails"/>
    public double Gen2CollectionsPerThousandMails { get; init; }

    /// <summary>What the GC did over the same interval and what its pauses cost the mails (<see cref="PipelineGcFigures"/>,
    /// session 16); null in reports that predate it and in the roles phases.</summary>
    public PipelineGcFigures? Gc { get; init; }

    /// <summary>With <c>--large-objects</c>: bytes allocated on the large object heap over the same interval, per mail
    /// (<see cref="LargeObjectHeapMonitor"/>); else null.</summary>
    public double? LargeObjectHeapBytesPerMail { get; init; }

    /// <summary>With <c>--large-objects</c>: the objects behind those bytes by type and size, most bytes first; else null.</summary>
    public IReadOnlyList<LargeObjectCount>? LargeObjects { get; init; }

    /// <summary>Times one of this process's threads blocked and gave up its core, from the first publish to the last mail,
    /// per mail (<see cref="ProcessRusage"/>): its thread hops and wake-ups. Session 15; 0 in reports that predate it.</summary>
    public double VoluntarySwitchesPerMail { get; init; }

    /// <summary>Preemptions of this process's threads over the same interval, per mail: the neighbours' load more than ours.</summary>
    public double InvoluntarySwitchesPerMail { get; init; }

    /// <summary>Minor page faults of this process over the same interval, per mail (fresh heap pages, stacks, file pages).</summary>
    public double MinorFaultsPerMail { get; init; }

    /// <summary>Work items the thread pool ran over the same interval, per mail (<see cref="ThreadPool.CompletedWorkItemCount"/>):
    /// every continuation, socket completion or callback queued to the pool instead of run where it was. A hop whether or
    /// not a thread blocked for it (flat out the pool's workers mostly spin, so a hop shows here and not as a voluntary
    /// switch). Session 19; 0 in reports that predate it.</summary>
    public double ThreadPoolWorkItemsPerMail { get; init; }

    /// <summary>How MassTransit's spans of the bench's mails were made (<c>--masstransit-spans</c>: <c>recorded</c>,
    /// <c>propagated</c> or <c>none</c>; the product's setting by default); null with <c>--no-stages</c> (only the first
    /// mail is traced). Session 20; null in reports that predate it.</summary>
    public string? MassTransitSpans { get; init; }

    /// <summary>With <c>--count-spans</c>: the measured run's spans per mail by source, name and whether they were recorded
    /// (<see cref="SpanCensus"/>); else null.</summary>
    public IReadOnlyList<SpanCount>? Spans { get; init; }

    /// <summary>First delivery attempts the signer made in its own process during the measured run, without
    /// <c>smime-deliver</c> (<c>Signer:DeliverInProcess</c>, the worker's default when it runs both roles, as the bench does).</summary>
    public long DeliveryAttemptsInProcess { get; init; }

    /// <summary>The wait after the warm-up mails for the tiered JIT to catch up (<see cref="JitSettle"/>), before the
    /// measured run; null in reports that predate it.</summary>
    public JitSettle? WarmupJitSettle { get; init; }
}
