namespace SmimePipeline.Cli.Bench;

/// <summary>Counts the CPU of this process, of the broker (when its pid is known) and of the machine over one role's phase.</summary>
internal sealed class RoleMeter(int? brokerPid)
{
    private readonly MachineCpuTime _cpu = new();
    private readonly CoreCpuTime _cores = new();
    private readonly ProcessCpuTime? _broker = brokerPid is { } pid ? new ProcessCpuTime(pid) : null;
    private readonly DateTime _start = DateTime.UtcNow;

    /// <summary>The figures since construction, divided by <paramref name="mails"/>.</summary>
    public RoleCpu PerMail(int mails) => new(
        Math.Round((DateTime.UtcNow - _start).TotalSeconds, 3),
        Math.Round(_cpu.ProcessElapsed.TotalMilliseconds / mails, 3),
        _broker is null ? null : Math.Round(_broker.Elapsed.TotalMilliseconds / mails, 3),
        _cpu.MachineElapsed is { } machine ? Math.Round(machine.TotalMilliseconds / mails, 3) : null)
    {
        CoreUtilisation = _cores.Utilisation,
        CoreInterruptShare = _cores.InterruptShare,
    };
}
