using System.Collections;
using MassTransit;

namespace SmimePipeline.Worker.Tests.Messaging;

/// <summary>Transport headers as an AMQP table gives them: case-sensitive names, values of their AMQP types.</summary>
internal sealed class TableHeaders(Dictionary<string, object?> values) : Headers
{
    public IEnumerable<KeyValuePair<string, object>> GetAll() =>
        values.Where(p => p.Value is not null).Select(p => new KeyValuePair<string, object>(p.Key, p.Value!));

    public bool TryGetHeader(string key, out object value)
    {
        var found = values.TryGetValue(key, out var stored) && stored is not null;
        value = stored!;
        return found;
    }

    public T? Get<T>(string key, T? defaultValue = default)
        where T : class => TryGetHeader(key, out var value) && value is T typed ? typed : defaultValue;

    public T? Get<T>(string key, T? defaultValue = null)
        where T : struct => TryGetHeader(key, out var value) && value is T typed ? typed : defaultValue;

    public IEnumerator<HeaderValue> GetEnumerator() => GetAll().Select(p => new HeaderValue(p.Key, p.Value)).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
