using Microsoft.Extensions.Logging.Console;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// The log of a bench's own host (<c>bench pipeline</c>, <c>bench confirm</c>): warnings and errors, one line each, all on
/// stderr, so that stdout holds only the figures — with <c>--json</c> the JSON alone, and nothing when the run fails (the
/// error on stderr, a non-zero exit). The console logger writes every level to stdout unless told otherwise
/// (<see cref="ConsoleLoggerOptions.LogToStandardErrorThreshold"/>): session 17 found <c>bench pipeline --json</c> on an
/// unreachable broker writing the host's "Hosting failed to start" line, with its stack, into the JSON (session 18).
/// </summary>
internal static class BenchLogging
{
    /// <summary>Logs warnings and errors of the host being built to stderr.</summary>
    public static void AddTo(ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }
}
