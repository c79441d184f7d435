using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Hosting;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// Follows every bench mail through the pipeline from the spans the worker already emits, without hooks in the
/// worker: each mail is published inside a root span of its own (<see cref="Publish"/>), whose trace id MassTransit
/// carries in <c>MT-Activity-Id</c> to the signer and on to the sender. An <see cref="ActivityListener"/> notes, for
/// that trace, when MassTransit's send spans to <c>smime-protect</c> and <c>smime-deliver</c> ended (the broker's
/// confirm), when the receive spans of both consumers started and ended, when the protector started (its certificate
/// lookup), when the <c>smime protect</c> span ended and when the first <c>smime deliver</c> span started (in the sender, or in
/// the signer's process when it makes the first attempt itself) and when the last one ended; a <see cref="MeterListener"/> on
/// <c>smime.sender.accepted_record_lag</c> gives the moment the ESP answered (the measurement is taken inside the
/// <c>smime deliver</c> span, so <see cref="Activity.Current"/> names the mail's trace). Spans of other traces are not
/// created by this listener (MassTransit still creates them for the host's OpenTelemetry listener, as in the worker).
/// MassTransit's spans of the bench's mails are made as the product's <c>SmimePipeline:Telemetry:MassTransitSpans</c> says
/// (recorded, or for the context alone: their start, end, kind and destination, all this recorder reads, are there either
/// way), or with <c>null</c> not at all (session 20's measurement of what they cost: no listener for <c>MassTransit</c>, so
/// no context travels and only the publish times are followed; our own spans are then recorded for every mail).
/// </summary>
internal sealed class StageRecorder : IDisposable
{
    /// <summary>The bench's own ActivitySource: one root span per published mail.</summary>
    public const string SourceName = "SmimePipeline.Cli.Bench";

    private const string DestinationTag = "messaging.destination.name";
    private const string AcceptedRecordLag = "smime.sender.accepted_record_lag";

    private static readonly ActivitySource Source = new(SourceName);
    private readonly ConcurrentDictionary<ActivityTraceId, MailTimeline> _byTrace = new();
    private readonly ConcurrentDictionary<Guid, MailTimeline> _byMail = new();
    private readonly ActivityListener _listener;
    private readonly MeterListener _meters;

    /// <param name="massTransitSpans">How MassTransit's spans are made: as the product's setting says, or null for none.</param>
    public StageRecorder(MassTransitSpans? massTransitSpans)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is SourceName or SmimeTelemetry.Name or CryptographyTelemetry.SourceName
                || (source.Name == WorkerTelemetryExtensions.MassTransitSourceName && massTransitSpans is not null),
            // Recorded like a sampled producer's trace in production: the host's OpenTelemetry sampler (parent-based)
            // then records MassTransit's spans of these mails as it would without this listener.
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
                options.Source.Name == SourceName || _byTrace.ContainsKey(options.TraceId)
                    ? options.Source.Name == WorkerTelemetryExtensions.MassTransitSourceName && massTransitSpans == MassTransitSpans.Propagated
                        ? ActivitySamplingResult.PropagationData
                        : ActivitySamplingResult.AllDataAndRecorded
                    : massTransitSpans is null && options.Source.Name != WorkerTelemetryExtensions.MassTransitSourceName
                        ? ActivitySamplingResult.AllDataAndRecorded
                        : ActivitySamplingResult.None,
            ActivityStarted = massTransitSpans == MassTransitSpans.Propagated ? PropagatedMassTransitSpans.CarryParentSampling : null,
            ActivityStopped = OnStopped,
        };
        ActivitySource.AddActivityListener(_listener);

        _meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == SmimeTelemetry.Name && instrument.Name == AcceptedRecordLag)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _meters.SetMeasurementEventCallback<double>(OnAcceptedRecordLag);
        _meters.Start();
    }

    /// <summary>The trace id of the first mail published, to find its whole path in a trace viewer.</summary>
    public string? FirstTraceId { get; private set; }

    /// <summary>
    /// Starts the root span of mail <paramref name="mailId"/>, to be disposed once its publish call returned (publish the
    /// mail inside it), and notes the publish call's time. Null when nothing listens (cannot happen while this recorder lives).
    /// </summary>
    public Activity? Publish(Guid mailId)
    {
        var timeline = new MailTimeline();
        var activity = Source.StartActivity("smime bench publish", ActivityKind.Producer);
        timeline.PublishCalled = DateTime.UtcNow.Ticks;
        _byMail[mailId] = timeline;
        if (activity is not null)
        {
            _byTrace[activity.TraceId] = timeline;
            FirstTraceId ??= activity.TraceId.ToHexString();
        }

        return activity;
    }

    /// <summary>The timeline of <paramref name="mailId"/>, if it was published through <see cref="Publish"/>.</summary>
    public MailTimeline? Of(Guid mailId) => _byMail.GetValueOrDefault(mailId);

    private void OnStopped(Activity activity)
    {
        if (!_byTrace.TryGetValue(activity.TraceId, out var mail))
        {
            return;
        }

        long start = activity.StartTimeUtc.Ticks;
        long end = start + activity.Duration.Ticks;
        switch (activity.Source.Name)
        {
            case WorkerTelemetryExtensions.MassTransitSourceName:
                OnMassTransitSpan(activity, mail, start, end);
                break;
            case CryptographyTelemetry.SourceName when activity.OperationName == "smime certificate lookup":
                MailTimeline.SetFirst(ref mail.ProtectStarted, start);
                break;
            case SmimeTelemetry.Name when activity.OperationName == "smime protect":
                MailTimeline.SetLast(ref mail.ProtectDone, end);
                break;
            case SmimeTelemetry.Name when activity.OperationName == "smime deliver":
                MailTimeline.SetFirst(ref mail.DeliveryStarted, start);
                MailTimeline.SetLast(ref mail.DeliveryEnded, end);
                break;
        }
    }

    private static void OnMassTransitSpan(Activity activity, MailTimeline mail, long start, long end)
    {
        var destination = activity.GetTagItem(DestinationTag) as string;
        bool signerQueue = destination is QueueNames.Protect or QueueNames.ProtectLarge;
        if (activity.Kind == ActivityKind.Producer)
        {
            if (signerQueue)
            {
                MailTimeline.SetLast(ref mail.PublishConfirmed, end);
            }
            else if (destination == QueueNames.Deliver)
            {
                MailTimeline.SetLast(ref mail.DeliverConfirmed, end);
            }
        }
        else if (activity.Kind == ActivityKind.Consumer && activity.OperationName.EndsWith(" receive", StringComparison.Ordinal))
        {
            if (signerQueue)
            {
                MailTimeline.SetFirst(ref mail.SignerReceived, start);
                MailTimeline.SetLast(ref mail.SignerAcknowledged, end);
            }
            else if (destination == QueueNames.Deliver)
            {
                MailTimeline.SetFirst(ref mail.SenderReceived, start);
                MailTimeline.SetLast(ref mail.SenderAcknowledged, end);
            }
        }
    }

    private void OnAcceptedRecordLag(Instrument instrument, double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (Activity.Current is { } current && _byTrace.TryGetValue(current.TraceId, out var mail))
        {
            MailTimeline.SetLast(ref mail.EspAnswered, DateTime.UtcNow.Ticks - TimeSpan.FromSeconds(seconds).Ticks);
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        _meters.Dispose();
    }
}
