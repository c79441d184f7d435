using System.Runtime;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// What the JIT did in this process over an interval (<see cref="JitInfo"/>, all threads): methods compiled and the time
/// spent compiling them. A worker that has run for minutes compiles nothing more; a bench run that still compiles pays
/// CPU a long-running worker does not have, which the capacity model would otherwise count as background or as cost
/// per mail (README "Capacity model").
/// </summary>
internal sealed class JitActivity
{
    private readonly long _methods = JitInfo.GetCompiledMethodCount(currentThread: false);
    private readonly TimeSpan _time = JitInfo.GetCompilationTime(currentThread: false);

    /// <summary>Methods compiled since construction (every tier and on-stack replacement counts one).</summary>
    public long MethodsCompiled => JitInfo.GetCompiledMethodCount(currentThread: false) - _methods;

    /// <summary>Time spent in the JIT since construction, on any thread: the wall time of each compilation, which on a
    /// busy core includes the time the compiling thread waited to run.</summary>
    public TimeSpan CompilationTime => JitInfo.GetCompilationTime(currentThread: false) - _time;

    /// <summary>Methods compiled since the process started.</summary>
    public static long TotalMethodsCompiled => JitInfo.GetCompiledMethodCount(currentThread: false);
}
