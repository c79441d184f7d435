using Microsoft.Extensions.Options;
using SmimePipeline.Delivery;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// The ESP's circuit breaker. When <see cref="SenderOptions.BreakerFailureThreshold"/> transient
/// failures happen in a row (across mails), the ESP is down for everyone: consumption of
/// <c>smime-deliver</c> pauses for <see cref="SenderOptions.BreakerOpenDuration"/> instead of marching
/// the queue through the retry ladder, and mail failing meanwhile is held without counting an attempt.
/// Then consumption resumes as a probe (half-open): the first success closes the breaker, the first
/// failure opens it again. A configuration error (401/403, TLS, AUTH) opens it at once for
/// <see cref="SenderOptions.ConfigurationErrorPause"/> and raises the alert metric.
/// One breaker per process: a sender talks to one ESP.
/// </summary>
public sealed class EspCircuitBreaker : IDisposable
{
    private enum State
    {
        Closed,
        Open,
        HalfOpen,
    }

    private readonly Lock _gate = new();
    private readonly SenderOptions _options;
    private readonly DeliverEndpointControl _endpoint;
    private readonly SmimeTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly ILogger<EspCircuitBreaker> _logger;
    private State _state = State.Closed;
    private int _failuresInARow;
    private ITimer? _probeTimer;

    public EspCircuitBreaker(
        IOptions<SmimePipelineOptions> options,
        DeliverEndpointControl endpoint,
        SmimeTelemetry telemetry,
        TimeProvider time,
        ILogger<EspCircuitBreaker> logger,
        IMailTransport transport)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value.Sender;
        _endpoint = endpoint;
        _telemetry = telemetry;
        _time = time;
        _logger = logger;
        ArgumentNullException.ThrowIfNull(transport);
        telemetry.ObserveBreaker(transport.Name, () => IsOpen);
    }

    /// <summary>True while consumption is paused or being probed after a pause.</summary>
    public bool IsOpen
    {
        get
        {
            lock (_gate)
            {
                return _state != State.Closed;
            }
        }
    }

    public void RecordSuccess(string provider)
    {
        lock (_gate)
        {
            _failuresInARow = 0;
            if (_state != State.HalfOpen)
            {
                return;
            }

            _state = State.Closed;
        }

        SenderLog.BreakerClosed(_logger, provider);
    }

    /// <summary>Counts a transient failure; true when the breaker is open (now or already) and the mail must be held.</summary>
    public bool RecordTransientFailure(DeliveryException failure)
    {
        lock (_gate)
        {
            if (_state == State.Open)
            {
                return true;
            }

            _failuresInARow++;
            if (_state == State.Closed && _failuresInARow < _options.BreakerFailureThreshold)
            {
                return false;
            }

            OpenLocked(failure.Provider, failure.Kind.ToString(), _options.BreakerOpenDuration);
            return true;
        }
    }

    public void TripForConfiguration(DeliveryException failure)
    {
        _telemetry.RecordSenderConfigurationError(failure.Provider);
        SenderLog.ConfigurationError(_logger, failure.Provider, failure.Message, failure.ProviderResponse);
        lock (_gate)
        {
            if (_state != State.Open)
            {
                OpenLocked(failure.Provider, "configuration", _options.ConfigurationErrorPause);
            }
        }
    }

    public void Dispose() => _probeTimer?.Dispose();

    private void OpenLocked(string provider, string reason, TimeSpan pause)
    {
        _state = State.Open;
        _failuresInARow = 0;
        _telemetry.RecordSenderPaused(provider, reason);
        SenderLog.BreakerOpened(_logger, provider, reason, pause);
        _endpoint.Pause();
        _probeTimer?.Dispose();
        _probeTimer = _time.CreateTimer(_ => Probe(provider), null, pause, Timeout.InfiniteTimeSpan);
    }

    private void Probe(string provider)
    {
        lock (_gate)
        {
            if (_state != State.Open)
            {
                return;
            }

            _state = State.HalfOpen;
        }

        SenderLog.BreakerProbing(_logger, provider);
        _endpoint.Resume();
    }
}
