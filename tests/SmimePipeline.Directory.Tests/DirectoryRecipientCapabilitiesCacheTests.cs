using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Smime;
using SmimePipeline.Testing;

namespace SmimePipeline.CertificateDirectory.Tests;

/// <summary>Issue 13 item 8: the recipient-capabilities cache expires (a later harvest is seen) and is bounded.</summary>
public sealed class DirectoryRecipientCapabilitiesCacheTests : IClassFixture<TestPki>, IDisposable
{
    private readonly TestPki _pki;
    private readonly TempDirectory _temp = new();
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private readonly SqliteRecipientDirectory _directory;

    public DirectoryRecipientCapabilitiesCacheTests(TestPki pki)
    {
        _pki = pki;
        _directory = new SqliteRecipientDirectory(Path.Combine(_temp.Path, "directory.sqlite"), _clock);
    }

    [Fact]
    public void A_cached_answer_expires_so_a_later_harvest_is_seen()
    {
        using var certificate = _pki.Issue("capabilities");
        string address = "capabilities@" + TestPki.Domain;
        _directory.Add(certificate, DirectoryEntryKind.Recipient);
        var capabilities = new DirectoryRecipientCapabilities(_directory, _clock) { CacheLifetime = TimeSpan.FromMinutes(5) };
        Assert.False(capabilities.CanReadAuthEnveloped(address, certificate));

        // Harvested later: the directory itself is current at once, the capabilities cache after its lifetime.
        _directory.Add(certificate, DirectoryEntryKind.Recipient, Gcm());
        Assert.False(capabilities.CanReadAuthEnveloped(address, certificate));
        _clock.Advance(TimeSpan.FromMinutes(6));
        Assert.True(capabilities.CanReadAuthEnveloped(address, certificate));
    }

    [Fact]
    public void The_cache_holds_at_most_its_bound()
    {
        using var certificate = _pki.Issue("bounded");
        var capabilities = new DirectoryRecipientCapabilities(_directory, _clock) { MaxCachedAnswers = 10 };

        for (int i = 0; i < 250; i++)
        {
            Assert.False(capabilities.CanReadAuthEnveloped($"r{i}@{TestPki.Domain}", certificate));
            Assert.InRange(capabilities.CachedAnswers, 1, 10);
        }
    }

    [Fact]
    public void Damaged_harvested_capabilities_mean_unknown_not_an_exception()
    {
        Assert.False(DirectoryRecipientCapabilities.AdvertisesGcm([0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]));
        Assert.False(DirectoryRecipientCapabilities.AdvertisesGcm([0xFF]));
    }

    public void Dispose()
    {
        _directory.Dispose();
        _temp.Dispose();
    }

    private static byte[] Gcm()
    {
        var vector = new SmimeCapabilityVector();
        vector.AddCapability(NistObjectIdentifiers.IdAes256Gcm);
        return new SmimeCapabilities(new DerSequence(vector.ToAsn1EncodableVector())).GetDerEncoded();
    }
}
