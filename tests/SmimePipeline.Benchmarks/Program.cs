using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(SmimePipeline.Benchmarks.ProtectBenchmarks).Assembly).Run(args);
