using System.Diagnostics;
using SmimePipeline.Worker.Hosting;

namespace SmimePipeline.Worker.Telemetry;

/// <summary>
/// <c>SmimePipeline:Telemetry:MassTransitSpans=Propagated</c>: MassTransit's activities are created only to carry the
/// mail's trace context (<see cref="ActivitySamplingResult.PropagationData"/>: MassTransit skips the tags it guards with
/// <see cref="Activity.IsAllDataRequested"/>, and OpenTelemetry, which does not listen to the <c>MassTransit</c> source
/// in this mode, exports none of them). .NET gives such an activity trace flags 00 whatever its parent's, which would
/// tell the next hop (and OpenTelemetry's parent-based sampler in this process) that the trace is not sampled, and our
/// spans under it would be dropped; so each one takes the sampled flag of the span it continues (W3C Trace Context's
/// <c>sampled</c> flag: a participant that records nothing passes the caller's decision on), and a MassTransit activity
/// that begins a trace is marked sampled, as the default sampler (parent-based, always on) samples a new trace.
/// </summary>
public sealed class PropagatedMassTransitSpans : IDisposable
{
    private readonly ActivityListener _listener;

    public PropagatedMassTransitSpans()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == WorkerTelemetryExtensions.MassTransitSourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> options) => ActivitySamplingResult.PropagationData,
            ActivityStarted = CarryParentSampling,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>
    /// Gives an activity created for propagation only the sampled flag of its parent (a local parent's, or the remote one
    /// from <c>MT-Activity-Id</c>), or sampled when it has none. Call it from an <see cref="ActivityListener.ActivityStarted"/>
    /// callback: MassTransit reads <see cref="Activity.Id"/> for the header after the start, and .NET builds the id then.
    /// </summary>
    public static void CarryParentSampling(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        if (activity.IsAllDataRequested || activity.Recorded)
        {
            return;
        }

        bool sampled = activity.Parent is { } parent
            ? parent.Recorded
            : activity.ParentSpanId == default || ParentIdSampled(activity.ParentId);
        if (sampled)
        {
            activity.ActivityTraceFlags |= ActivityTraceFlags.Recorded;
        }
    }

    // A W3C parent id: "00-<32 hex trace id>-<16 hex span id>-<2 hex flags>"; the sampled flag is the low bit of the last digit.
    private static bool ParentIdSampled(string? parentId) =>
        parentId is { Length: 55 } id && (HexValue(id[54]) & 1) == 1;

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => 0,
    };

    public void Dispose() => _listener.Dispose();
}
