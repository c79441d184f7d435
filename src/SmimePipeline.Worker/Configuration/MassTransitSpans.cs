namespace SmimePipeline.Worker.Configuration;

/// <summary>
/// What becomes of MassTransit's own spans (send, receive, consume, publish; the <c>MassTransit</c> ActivitySource) in a
/// process of ours (<c>SmimePipeline:Telemetry:MassTransitSpans</c>). Either way the mail's trace context travels in
/// <c>MT-Activity-Id</c> from the producer to the signer and on to the sender, also through the retry queues, and our
/// spans (<c>smime protect</c>, <c>smime deliver</c>…) are recorded in that trace.
/// </summary>
public enum MassTransitSpans
{
    /// <summary>Recorded and exported with all their tags, as OpenTelemetry records any source it listens to (the default).</summary>
    Recorded,

    /// <summary>
    /// Created only to carry the context (<see cref="System.Diagnostics.ActivitySamplingResult.PropagationData"/>): no tags
    /// beyond what MassTransit sets on every activity, not exported; their trace flags carry the sampling decision of the
    /// span they continue, so our spans under them are recorded exactly when the mail's trace is. In a trace viewer our
    /// spans then hang under a parent that was not exported (same trace id, a gap where MassTransit's spans were).
    /// </summary>
    Propagated,
}
