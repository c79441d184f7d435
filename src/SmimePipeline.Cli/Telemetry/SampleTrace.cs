using System.Diagnostics;
using SmimePipeline.Cryptography;
using SmimePipeline.Worker.Hosting;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Cli.Telemetry;

/// <summary>
/// Traces one sample mail end to end inside the CLI (demo, bench pipeline) and nothing else: a span is
/// recorded only for the CLI's own root span or a child of a recorded span. Listening also makes
/// MassTransit create its spans and carry the trace in <c>MT-Activity-Id</c>, so the sample's trace id is
/// the one every stage of the pipeline reports, while the other mails cost no tracing at all.
/// </summary>
internal sealed class SampleTrace : IDisposable
{
    private static readonly ActivitySource Source = new("SmimePipeline.Cli");
    private readonly ActivityListener _listener;

    public SampleTrace()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "SmimePipeline.Cli" or SmimeTelemetry.Name or CryptographyTelemetry.SourceName or WorkerTelemetryExtensions.MassTransitSourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
                options.Source.Name == Source.Name || options.Parent.TraceFlags.HasFlag(ActivityTraceFlags.Recorded)
                    ? ActivitySamplingResult.AllDataAndRecorded
                    : ActivitySamplingResult.None,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Starts the sample's root span; publish the sample mail inside it.</summary>
    public static Activity? Start(string name) => Source.StartActivity(name, ActivityKind.Producer);

    public void Dispose() => _listener.Dispose();
}
