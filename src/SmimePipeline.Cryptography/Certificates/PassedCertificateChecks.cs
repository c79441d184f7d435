using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;

namespace SmimePipeline.Cryptography.Certificates;

/// <summary>
/// Remembers, per certificate instance, the time-independent checks it has passed for an address and
/// purpose (key type and size, key usage, extended key usage, address), so the per-message path only
/// re-checks validity dates. Those checks import the public key and decode extensions, ≈100 µs per
/// certificate and message, more than the AES encryption of a 54 KB message. Only passes are kept:
/// a refusal is recomputed every time, with its full message. The store hands out the same instance
/// until the file changes, so a replaced certificate is checked afresh.
/// </summary>
internal static class PassedCertificateChecks
{
    private static readonly ConditionalWeakTable<X509Certificate2, ConcurrentDictionary<string, bool>> Passed = new();

    public static bool Contains(X509Certificate2 certificate, string purpose, string address) =>
        Passed.TryGetValue(certificate, out var passed) && passed.ContainsKey(Key(purpose, address));

    public static void Add(X509Certificate2 certificate, string purpose, string address) =>
        Passed.GetValue(certificate, static _ => new ConcurrentDictionary<string, bool>(StringComparer.Ordinal))[Key(purpose, address)] = true;

    private static string Key(string purpose, string address) => purpose + "\n" + address;
}
