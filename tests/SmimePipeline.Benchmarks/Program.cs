using BenchmarkDotNet.Running;

// `own-cpu [standard|small] [pairs] [warm-up seconds]`: own work in CPU time (see OwnWorkCpu); anything else: BenchmarkDotNet.
if (args.Length > 0 && args[0] == "own-cpu")
{
    SmimePipeline.Benchmarks.OwnWorkCpu.Run(args);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(SmimePipeline.Benchmarks.ProtectBenchmarks).Assembly).Run(args);
