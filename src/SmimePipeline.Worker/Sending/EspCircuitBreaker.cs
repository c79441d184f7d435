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
/// Every change of state and the pause or resume it asks of <see cref="DeliverEndpointControl"/> happen under one lock, so
/// the control's last wish is always the state's (session 18, found by reading: a failure arriving between a probe's state
/// change and its resume, outside the lock, could ask for the pause before the resume and leave the endpoint consuming
/// while the breaker was open), and a probe timer that fired while the breaker opened again is recognised as stale by its
/// opening and does nothing (before, it probed at once, without the pause).
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
    // Counts the openings; a probe timer carries the one it was set for, so that a timer of an earlier opening, which fired
    // while this one was being set, does not probe at once.
    private long _opening;
    private bool _disposed;

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

    /// <summary>
    /// The <c>reason</c> values of <c>smime.sender.paused</c>: transient failures in a row (the failure's kind, only
    /// <see cref="DeliveryFailureKind.Transient"/> opens the breaker) or a configuration error (started at 0 when the worker starts).
    /// </summary>
    public static IReadOnlyList<string> PauseReasons { get; } = [nameof(DeliveryFailureKind.Transient), ConfigurationPause];

    private const string ConfigurationPause = "configuration";

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
                OpenLocked(failure.Provider, ConfigurationPause, _options.ConfigurationErrorPause);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _probeTimer?.Dispose();
        }
    }

    private void OpenLocked(string provider, string reason, TimeSpan pause)
    {
        _state = State.Open;
        _failuresInARow = 0;
        _telemetry.RecordSenderPaused(provider, reason);
        SenderLog.BreakerOpened(_logger, provider, reason, pause);
        _endpoint.Pause();
        _probeTimer?.Dispose();
        if (_disposed)
        {
            return;
        }

        var opening = ++_opening;
        _probeTimer = _time.CreateTimer(_ => Probe(provider, opening), null, pause, Timeout.InfiniteTimeSpan);
    }

    private void Probe(string provider, long opening)
    {
        lock (_gate)
        {
            if (_state != State.Open || opening != _opening || _disposed)
            {
                return;
            }

            _state = State.HalfOpen;
            // Under the lock: a failure that opens the breaker again right after this asks for its pause after this resume.
            _endpoint.Resume();
        }

        SenderLog.BreakerProbing(_logger, provider);
    }
}
