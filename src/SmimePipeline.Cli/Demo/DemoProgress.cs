using System.Collections.Concurrent;

namespace SmimePipeline.Cli.Demo;

/// <summary>
/// The demo's view of its own mails: which were published, protected, delivered or failed. Events for
/// other mails (another producer on the same broker) are ignored; a redelivered event counts once.
/// </summary>
internal sealed class DemoProgress
{
    private readonly ConcurrentDictionary<Guid, byte> _published = new();
    private readonly ConcurrentDictionary<Guid, byte> _protected = new();
    private readonly ConcurrentDictionary<Guid, byte> _delivered = new();
    private readonly ConcurrentDictionary<Guid, string> _failed = new();

    public int ProtectedCount => _protected.Count;

    public int DeliveredCount => _delivered.Count;

    public int FailedCount => _failed.Count;

    /// <summary>The first few failure reasons, for the summary.</summary>
    public IEnumerable<string> FailureReasons => _failed.Values.Distinct(StringComparer.Ordinal).Take(5);

    public void Published(Guid mailId) => _published.TryAdd(mailId, 0);

    public void Protected(Guid mailId)
    {
        if (_published.ContainsKey(mailId))
        {
            _protected.TryAdd(mailId, 0);
        }
    }

    public void Delivered(Guid mailId)
    {
        if (_published.ContainsKey(mailId))
        {
            _delivered.TryAdd(mailId, 0);
        }
    }

    public void Failed(Guid mailId, string reasonCode, string reason)
    {
        if (_published.ContainsKey(mailId))
        {
            _failed.TryAdd(mailId, $"{reasonCode}: {reason}");
        }
    }
}
