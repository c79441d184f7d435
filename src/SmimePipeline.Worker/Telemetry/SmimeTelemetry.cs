using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SmimePipeline.Worker.Telemetry;

/// <summary>
/// Owns the pipeline's ActivitySource and Meter (both named <see cref="Name"/>) and the instruments
/// on it, and keeps in-process totals that the CLI's progress display reads.
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
    private readonly Counter<long> _certificateRefusals;
    private long _protectedTotal;
    private long _deliveredTotal;
    private long _failedTotal;

    public SmimeTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(Name);
        _protected = _meter.CreateCounter<long>("smime.mails.protected", "{mail}", "Mails signed and/or encrypted.");
        _delivered = _meter.CreateCounter<long>("smime.mails.delivered", "{mail}", "Mails accepted by the ESP.");
        _failed = _meter.CreateCounter<long>("smime.dead_letters", "{mail}", "Mails dead-lettered, by stage and reason.");
        _protectDuration = _meter.CreateHistogram<double>("smime.protect.duration", "s", "Time to build, sign and encrypt one mail.");
        _deliveryDuration = _meter.CreateHistogram<double>("smime.delivery.duration", "s", "Time to hand one mail to the ESP.");
        _certificateRefusals = _meter.CreateCounter<long>("smime.certificates.validation_failures", "{certificate}", "Certificates refused on use, by reason.");
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
            { "smime.signature_algorithm", signatureAlgorithm ?? "none" },
            { "smime.content_cipher", contentCipher ?? "none" },
        };
        _protected.Add(1, tags);
        _protectDuration.Record(elapsed.TotalSeconds, tags);
    }

    public void RecordDelivered(string provider, TimeSpan elapsed)
    {
        Interlocked.Increment(ref _deliveredTotal);
        var tags = new TagList { { "smime.provider", provider } };
        _delivered.Add(1, tags);
        _deliveryDuration.Record(elapsed.TotalSeconds, tags);
    }

    public void RecordDeadLetter(string stage, string reasonCode)
    {
        Interlocked.Increment(ref _failedTotal);
        _failed.Add(1, new TagList { { "smime.stage", stage }, { "smime.reason", reasonCode } });
    }

    /// <summary>Counts a certificate refused on use (or warned about), by reason code.</summary>
    public void RecordCertificateValidationFailure(string reasonCode) =>
        _certificateRefusals.Add(1, new TagList { { "smime.reason", reasonCode } });

    /// <summary>Publishes the days until expiry of each signer identity as a gauge, read at each collection.</summary>
    /// <param name="observe">Returns one measurement per identity, tagged with its address and thumbprint.</param>
    public void ObserveSignerExpiry(Func<IEnumerable<Measurement<double>>> observe) =>
        _meter.CreateObservableGauge("smime.signer.days_to_expiry", observe, "d", "Days until each signer identity's certificate expires.");

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
