using BenchmarkDotNet.Running;

// `own-cpu [standard|small] [pairs] [warm-up seconds]`: own work in CPU time (see OwnWorkCpu);
// `count [standard|small] N protect|floor`: exactly N protects or floors, for instruction counts (see OwnWorkCpu.RunCount);
// `alloc-profile [standard|small]`: exact bytes per mail by step (see AllocationProfile);
// `claim-costs USER_CONN SUPER_CONN PID PGDATA [claims] [rounds]`: PostgreSQL's WAL, CPU and writes per claim statement (see ClaimStatementCosts);
// `large-stages POSTGRES PID [mails] [warm-up] [dir]`: CPU per 1.5 MB mail by step (see LargeMailStages);
// `event-json [rounds] [events per slice]`: CPU and bytes per event envelope, MassTransit's JSON options indented (as the bus writes) and not (see EventEnvelopeCost);
// anything else: BenchmarkDotNet.
if (args.Length > 0 && args[0] == "own-cpu")
{
    SmimePipeline.Benchmarks.OwnWorkCpu.Run(args);
    return;
}

if (args.Length > 0 && args[0] == "count")
{
    SmimePipeline.Benchmarks.OwnWorkCpu.RunCount(args);
    return;
}

if (args.Length > 0 && args[0] == "alloc-profile")
{
    SmimePipeline.Benchmarks.AllocationProfile.Run(args);
    return;
}

if (args.Length > 0 && args[0] == "claim-costs")
{
    SmimePipeline.Benchmarks.ClaimStatementCosts.Run(args);
    return;
}

if (args.Length > 0 && args[0] == "large-stages")
{
    SmimePipeline.Benchmarks.LargeMailStages.Run(args);
    return;
}

if (args.Length > 0 && args[0] == "event-json")
{
    SmimePipeline.Benchmarks.EventEnvelopeCost.Run(args);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(SmimePipeline.Benchmarks.ProtectBenchmarks).Assembly).Run(args);
