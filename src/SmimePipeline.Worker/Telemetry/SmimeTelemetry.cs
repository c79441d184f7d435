using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SmimePipeline.Worker.Telemetry;

/// <summary>
/// Owns the pipeline's ActivitySource and Meter (both named <see cref="Name"/>) and the instruments
/// on it, and keeps in-process totals. Metric label names are short (<c>provider</c>, <c>stage</c>,
/// <c>reason</c>) because the dashboards and alert rules in <c>deploy/</c> group by them.
/// </summary>
public sealed class SmimeTelemetry : IDisposable
{
    /// <summary>The ActivitySource and Meter name to subscribe to.</summary>
    public const string Name = "SmimePipeline";

    private readonly Meter _meter;
    private readonly Counter<long> _protected;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _failed;
    private readonly Histogram<double> _protectDuration;
    private readonly Histogram<double> _deliveryDuration;
    private IReadOnlyDictionary<string, long> _queueDepths = new Dictionary<string, long>();
    private readonly Counter<long> _certificateRefusals;
    private readonly Counter<long> _backgroundFailures;
    private long _protectedTotal;
    private long _deliveredTotal;
    private long _failedTotal;
    private readonly SenderInstruments _sender;

    public SmimeTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(Name);
        _protected = _meter.CreateCounter<long>("smime.mails.protected", "{mail}", "Mails signed and/or encrypted.");
        _delivered = _meter.CreateCounter<long>("smime.mails.delivered", "{mail}", "Mails accepted by the ESP.");
        _failed = _meter.CreateCounter<long>("smime.dead_letters", "{mail}", "Mails dead-lettered, by stage and reason.");
        _protectDuration = _meter.CreateHistogram<double>("smime.protect.duration", "s", "Time to build, sign and encrypt one mail.");
        _deliveryDuration = _meter.CreateHistogram<double>("smime.delivery.duration", "s", "Time to hand one mail to the ESP.");
        _meter.CreateObservableGauge(
            "smime.queue.messages",
            () => Volatile.Read(ref _queueDepths).Select(q => new Measurement<long>(q.Value, new KeyValuePair<string, object?>("queue", q.Key))),
            "{message}",
            "Messages waiting in the pipeline's queues, read from the broker's management API.");

        _sender = new SenderInstruments(_meter);
        _certificateRefusals = _meter.CreateCounter<long>("smime.certificates.validation_failures", "{certificate}", "Certificates refused on use, by reason.");
        _backgroundFailures = _meter.CreateCounter<long>(
            "smime.background.failures",
            "{failure}",
            "Failed rounds of a background service's loop (signer identities refresh, queue depth poll, claim sweeps), by service; each is tried again at its next round.");
    }

    /// <summary>The pipeline's ActivitySource: internal spans for protect and delivery.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name);

    /// <summary>Mails protected by this process since it started.</summary>
    public long ProtectedTotal => Interlocked.Read(ref _protectedTotal);

    /// <summary>Mails delivered by this process since it started.</summary>
    public long DeliveredTotal => Interlocked.Read(ref _deliveredTotal);

    /// <summary>Mails dead-lettered by this process since it started.</summary>
    public long FailedTotal => Interlocked.Read(ref _failedTotal);

    public void RecordProtected(string? signatureAlgorithm, string? contentCipher, TimeSpan elapsed)
    {
        Interlocked.Increment(ref _protectedTotal);
        var tags = new TagList
        {
            { "signature_algorithm", signatureAlgorithm ?? "none" },
            { "content_cipher", contentCipher ?? "none" },
        };
        _protected.Add(1, tags);
        _protectDuration.Record(elapsed.TotalSeconds, tags);
    }

    public void RecordDelivered(string provider, TimeSpan elapsed)
    {
        Interlocked.Increment(ref _deliveredTotal);
        var tags = new TagList { { "provider", provider } };
        _delivered.Add(1, tags);
        _deliveryDuration.Record(elapsed.TotalSeconds, tags);
    }

    public void RecordDeadLetter(string stage, string reasonCode)
    {
        Interlocked.Increment(ref _failedTotal);
        _failed.Add(1, new TagList { { "stage", stage }, { "reason", reasonCode } });
    }

    /// <summary>Replaces the last known depth of each queue.</summary>
    public void SetQueueDepths(IReadOnlyDictionary<string, long> depths) => Volatile.Write(ref _queueDepths, depths);

    /// <summary>Times this process paused consuming <c>smime-deliver</c> (circuit breaker or configuration error).</summary>
    public long SenderPausesTotal => Interlocked.Read(ref _sender.PausesTotal);

    /// <summary>Consumption of <c>smime-deliver</c> paused: the ESP is down for everyone, or misconfigured.</summary>
    public void RecordSenderPaused(string provider, string reason)
    {
        Interlocked.Increment(ref _sender.PausesTotal);
        _sender.Paused.Add(1, new TagList { { "provider", provider }, { "reason", reason } });
    }

    /// <summary>
    /// The circuit breaker's pause or resume of <c>smime-deliver</c> failed once and is tried again
    /// (<c>smime.sender.endpoint_control_failures</c>, by <c>operation</c>): a sender whose count keeps growing is stuck.
    /// </summary>
    public void RecordEndpointControlFailure(string operation)
        => _sender.EndpointControlFailures.Add(1, new TagList { { "operation", operation } });

    /// <summary>The alert metric: the ESP refused our credentials or TLS setup (401/403, AUTH, TLS); an operator must act.</summary>
    public void RecordSenderConfigurationError(string provider)
        => _sender.ConfigurationErrors.Add(1, new TagList { { "provider", provider } });

    /// <summary>A mail went onto step <paramref name="step"/> of the retry ladder.</summary>
    public void RecordRetryScheduled(string provider, int step)
        => _sender.Retries.Add(1, new TagList { { "provider", provider }, { "attempt", step } });

    /// <summary>
    /// The duplicate window of one mail: from the ESP's answer arriving to the ledger's "accepted" record
    /// being durable (<c>smime.sender.accepted_record_lag</c>). A sender dying inside it sends the mail again.
    /// </summary>
    public void RecordAcceptedRecordLag(string provider, TimeSpan lag)
        => _sender.AcceptedRecordLag.Record(lag.TotalSeconds, new TagList { { "provider", provider } });

    /// <summary>
    /// The ESP accepted a mail but the ledger refused its "accepted" record for the whole in-place retry
    /// (<c>smime.sender.accepted_not_recorded</c>): its entry stays <c>handing</c>. Alert on any.
    /// </summary>
    public void RecordAcceptedNotRecorded(string provider)
    {
        Interlocked.Increment(ref _sender.AcceptedNotRecordedTotal);
        _sender.AcceptedNotRecorded.Add(1, new TagList { { "provider", provider } });
    }

    /// <summary>Mails the ESP accepted whose ledger record was given up, in this process (tests, health).</summary>
    public long AcceptedNotRecordedTotal => Interlocked.Read(ref _sender.AcceptedNotRecordedTotal);

    /// <summary>A redelivered mail was found accepted in the delivery ledger and not sent again.</summary>
    public void RecordDuplicateSuppressed(string provider)
        => _sender.DuplicatesSuppressed.Add(1, new TagList { { "provider", provider } });

    /// <summary>
    /// A signer that runs the sender role too decided where a mail's first delivery attempt is made
    /// (<c>smime.delivery.in_process</c>): <c>attempted</c> in this process, or why it went to <c>smime-deliver</c>
    /// (<c>large</c>: a large mail beyond <c>InProcessDelivery.MaxLargeInside</c>, or one already checked in;
    /// <c>breaker-open</c>, <c>no-place</c>, <c>refused</c>, <c>failed</c>).
    /// </summary>
    public void RecordInProcessDelivery(string outcome)
    {
        if (outcome == InProcessAttempted)
        {
            Interlocked.Increment(ref _sender.InProcessAttemptsTotal);
        }

        _sender.InProcess.Add(1, new TagList { { "outcome", outcome } });
    }

    /// <summary>The <see cref="RecordInProcessDelivery"/> outcome of a first attempt made in this process.</summary>
    public const string InProcessAttempted = "attempted";

    /// <summary>First delivery attempts this process made itself, without <c>smime-deliver</c>, since it started.</summary>
    public long InProcessDeliveryAttemptsTotal => Interlocked.Read(ref _sender.InProcessAttemptsTotal);

    /// <summary>
    /// Reports the ESP circuit breaker's state as the <c>smime.sender.breaker_open</c> gauge (1 open or
    /// probing, 0 closed), for the "breaker open" alert. Called once by the breaker.
    /// </summary>
    public void ObserveBreaker(string provider, Func<bool> isOpen)
    {
        ArgumentNullException.ThrowIfNull(isOpen);
        _meter.CreateObservableGauge(
            "smime.sender.breaker_open",
            () => new Measurement<int>(isOpen() ? 1 : 0, new KeyValuePair<string, object?>("provider", provider)),
            "{state}",
            "1 while the ESP circuit breaker holds consumption paused or probes; 0 when closed.");
    }

    /// <summary>
    /// Starts the <c>smime.background.failures</c> series of <paramref name="service"/> at 0, so that <c>increase()</c> sees its
    /// first failure (a counter appears in Prometheus only once it has a value).
    /// </summary>
    public void ObserveBackgroundService(string service) => CounterSeries.StartAtZero(_backgroundFailures, "service", [service]);

    /// <summary>
    /// Starts at 0 every series of the sender's counters, whose label values the configuration fixes (session 22; before,
    /// the circuit breaker started three of them when it was built): mails delivered, configuration errors, duplicates
    /// suppressed and accepted-not-recorded by <paramref name="provider"/>, retries by provider and each of the
    /// <paramref name="ladderSteps"/> steps, pauses by provider and each of <paramref name="pauseReasons"/>, and endpoint
    /// control failures by operation.
    /// </summary>
    public void StartSenderSeries(string provider, int ladderSteps, IReadOnlyList<string> pauseReasons)
    {
        ArgumentNullException.ThrowIfNull(pauseReasons);
        var byProvider = new[] { new TagList { { "provider", provider } } };
        CounterSeries.StartAtZero(_delivered, byProvider);
        CounterSeries.StartAtZero(_sender.ConfigurationErrors, byProvider);
        CounterSeries.StartAtZero(_sender.DuplicatesSuppressed, byProvider);
        CounterSeries.StartAtZero(_sender.AcceptedNotRecorded, byProvider);
        CounterSeries.StartAtZero(_sender.Retries, Enumerable.Range(1, ladderSteps).Select(step => new TagList { { "provider", provider }, { "attempt", step } }));
        CounterSeries.StartAtZero(_sender.Paused, pauseReasons.Select(reason => new TagList { { "provider", provider }, { "reason", reason } }));
        CounterSeries.StartAtZero(_sender.EndpointControlFailures, "operation", ["pause", "resume"]);
    }

    /// <summary>Starts <c>smime.delivery.in_process</c> at 0 for each of <paramref name="outcomes"/> (a worker running both roles).</summary>
    public void StartInProcessDeliverySeries(IEnumerable<string> outcomes) => CounterSeries.StartAtZero(_sender.InProcess, "outcome", outcomes);

    /// <summary>Starts <c>smime.certificates.validation_failures</c> at 0 for each reason code certificate validation can give.</summary>
    public void StartCertificateValidationSeries(IEnumerable<string> reasonCodes) => CounterSeries.StartAtZero(_certificateRefusals, "reason", reasonCodes);

    /// <summary>
    /// One round of background service <paramref name="service"/> failed and will be tried again
    /// (<c>smime.background.failures</c>, by <c>service</c>): a count that keeps growing is a service that does not recover.
    /// </summary>
    public void RecordBackgroundFailure(string service) => _backgroundFailures.Add(1, new TagList { { "service", service } });

    /// <summary>Counts a certificate refused on use (or warned about), by reason code.</summary>
    public void RecordCertificateValidationFailure(string reasonCode) =>
        _certificateRefusals.Add(1, new TagList { { "reason", reasonCode } });

    /// <summary>Publishes the days until expiry of each signer identity as a gauge, read at each collection.</summary>
    /// <param name="observe">Returns one measurement per identity, tagged with its address and thumbprint.</param>
    public void ObserveSignerExpiry(Func<IEnumerable<Measurement<double>>> observe) =>
        _meter.CreateObservableGauge("smime.signer.certificate.days_to_expiry", observe, "{day}", "Days until each signer identity's certificate expires.");

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private sealed class SenderInstruments(Meter meter)
    {
        public readonly Counter<long> Paused = meter.CreateCounter<long>("smime.sender.paused", "{pause}", "Times consumption paused because the ESP failed for everyone or refused our configuration.");
        public readonly Counter<long> ConfigurationErrors = meter.CreateCounter<long>("smime.sender.configuration_errors", "{error}", "ESP configuration errors (401/403, AUTH, TLS): alert on any.");
        public readonly Counter<long> EndpointControlFailures = meter.CreateCounter<long>("smime.sender.endpoint_control_failures", "{failure}", "Failed tries of the circuit breaker's pause or resume of smime-deliver, by operation; each is tried again.");
        public readonly Counter<long> Retries = meter.CreateCounter<long>("smime.delivery.retries", "{mail}", "Mails put on a step of the retry ladder, by attempt.");
        public readonly Counter<long> DuplicatesSuppressed = meter.CreateCounter<long>("smime.sender.duplicates_suppressed", "{mail}", "Redelivered mails already accepted by the ESP, not sent again.");
        public readonly Histogram<double> AcceptedRecordLag = meter.CreateHistogram(
            "smime.sender.accepted_record_lag", "s", "From the ESP's answer to the durable ledger record: the window in which a crash sends a mail twice.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5] });
        public readonly Counter<long> AcceptedNotRecorded = meter.CreateCounter<long>("smime.sender.accepted_not_recorded", "{mail}", "Mails the ESP accepted whose ledger record could not be written within the in-place retry: alert on any.");
        public readonly Counter<long> InProcess = meter.CreateCounter<long>("smime.delivery.in_process", "{mail}", "Where a signer running both roles made a mail's first delivery attempt: in process, or why smime-deliver.");
        public long PausesTotal;
        public long InProcessAttemptsTotal;
        public long AcceptedNotRecordedTotal;
    }
}
