using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SmimePipeline.Worker.Hosting;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Tests.Telemetry;

/// <summary>
/// <c>SmimePipeline:Telemetry:MassTransitSpans=Propagated</c>: MassTransit's activities are made for the context alone,
/// and the trace flags they put in <c>MT-Activity-Id</c> carry the sampling decision of the span they continue.
/// </summary>
public sealed class PropagatedMassTransitSpansTests : IDisposable
{
    // The name MassTransit's own ActivitySource has; nothing else in this assembly listens to it.
    private readonly ActivitySource _massTransit = new(WorkerTelemetryExtensions.MassTransitSourceName);
    private readonly PropagatedMassTransitSpans _spans = new();

    [Theory]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", true)]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00", false)]
    public void A_receive_activity_takes_the_sampled_flag_of_the_remote_parent_it_continues(string header, bool sampled)
    {
        var parent = ActivityContext.Parse(header, null);
        using var receive = _massTransit.StartActivity(
            "smime-protect receive", ActivityKind.Consumer, new ActivityContext(parent.TraceId, parent.SpanId, parent.TraceFlags, null, isRemote: true));

        Assert.NotNull(receive);
        Assert.False(receive.IsAllDataRequested);
        Assert.Equal(parent.TraceId, receive.TraceId);
        Assert.Equal(sampled, receive.Recorded);
        Assert.EndsWith(sampled ? "-01" : "-00", receive.Id, StringComparison.Ordinal);
    }

    [Fact]
    public void A_send_under_a_recorded_span_of_ours_carries_sampled_and_a_send_that_begins_a_trace_is_sampled()
    {
        using var ours = new ActivitySource("SmimePipeline.Worker.Tests.Ours");
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source == ours,
            Sample = static (ref ActivityCreationOptions<ActivityContext> options) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);

        using (var deliver = ours.StartActivity("smime deliver"))
        using (var send = _massTransit.StartActivity("EmailDelivered send", ActivityKind.Producer))
        {
            Assert.NotNull(deliver);
            Assert.NotNull(send);
            Assert.False(send.IsAllDataRequested);
            Assert.Equal(deliver.SpanId, send.ParentSpanId);
            Assert.EndsWith("-01", send.Id, StringComparison.Ordinal);
        }

        using var root = _massTransit.StartActivity("smime-protect send", ActivityKind.Producer);
        Assert.NotNull(root);
        Assert.Equal(default, root.ParentSpanId);
        Assert.True(root.Recorded);
    }

    [Theory]
    [InlineData("Sideways")]
    [InlineData("7")]
    public void A_value_that_is_neither_recorded_nor_propagated_stops_the_start_and_names_the_setting(string value)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SmimePipeline:Telemetry:Prometheus"] = "false",
            ["SmimePipeline:Telemetry:MassTransitSpans"] = value,
        });

        var error = Assert.ThrowsAny<Exception>(() => builder.AddSmimePipelineTelemetry());

        Assert.True(error is OptionsValidationException or InvalidOperationException, error.GetType().Name);
        Assert.Contains("MassTransitSpans", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _spans.Dispose();
        _massTransit.Dispose();
    }
}
