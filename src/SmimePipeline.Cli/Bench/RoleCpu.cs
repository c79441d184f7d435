namespace SmimePipeline.Cli.Bench;

/// <summary>The CPU one role of the pipeline cost per mail while it ran alone (see <see cref="PipelineRoles"/>).</summary>
/// <param name="Seconds">How long the phase took, from the role's start to its last mail.</param>
/// <param name="ProcessCpuMillisecondsPerMail">CPU time of this process (the role, and the host starting it) per mail.</param>
/// <param name="BrokerCpuMillisecondsPerMail">CPU time of the broker's process over the phase per mail; null without <c>--broker-pid</c>.</param>
/// <param name="MachineCpuMillisecondsPerMail">Busy CPU time of the whole machine over the phase per mail (anything else running included); null without /proc/stat.</param>
internal sealed record RoleCpu(
    double Seconds,
    double ProcessCpuMillisecondsPerMail,
    double? BrokerCpuMillisecondsPerMail,
    double? MachineCpuMillisecondsPerMail)
{
    /// <summary>Each core's busy share over the phase (<see cref="CoreCpuTime"/>), in core order; null without /proc/stat.</summary>
    public IReadOnlyList<double>? CoreUtilisation { get; init; }

    /// <summary>Each core's share in interrupts over the phase (<see cref="CoreCpuTime.InterruptShare"/>); null without /proc/stat.</summary>
    public IReadOnlyList<double>? CoreInterruptShare { get; init; }
}
