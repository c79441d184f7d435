using System.Collections;
using MassTransit;

namespace SmimePipeline.Messaging.ProducerClaims;

/// <summary>The headers a claim's preamble stands for, handed to the binary serializers as if they were transport headers.</summary>
internal sealed class ClaimHeaders(Dictionary<string, object> values) : Headers
{
    public IEnumerable<KeyValuePair<string, object>> GetAll() => values;

    public bool TryGetHeader(string key, out object value) => values.TryGetValue(key, out value!);

    public T? Get<T>(string key, T? defaultValue = default)
        where T : class => values.TryGetValue(key, out var value) && value is T typed ? typed : defaultValue;

    public T? Get<T>(string key, T? defaultValue = null)
        where T : struct => values.TryGetValue(key, out var value) && value is T typed ? typed : defaultValue;

    public IEnumerator<HeaderValue> GetEnumerator() => values.Select(p => new HeaderValue(p.Key, p.Value)).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
