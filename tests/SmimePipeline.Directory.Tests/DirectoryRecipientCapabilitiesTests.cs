using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Smime;

namespace SmimePipeline.CertificateDirectory.Tests;

public sealed class DirectoryRecipientCapabilitiesTests
{
    [Fact]
    public void Capabilities_listing_AES_GCM_allow_AuthEnvelopedData()
    {
        Assert.True(DirectoryRecipientCapabilities.AdvertisesGcm(Capabilities(NistObjectIdentifiers.IdAes256Gcm, NistObjectIdentifiers.IdAes256Cbc)));
        Assert.True(DirectoryRecipientCapabilities.AdvertisesGcm(Capabilities(NistObjectIdentifiers.IdAes128Gcm)));
    }

    [Fact]
    public void Capabilities_without_GCM_or_unknown_capabilities_keep_AES_CBC()
    {
        Assert.False(DirectoryRecipientCapabilities.AdvertisesGcm(Capabilities(NistObjectIdentifiers.IdAes256Cbc, NistObjectIdentifiers.IdAes128Cbc)));
        Assert.False(DirectoryRecipientCapabilities.AdvertisesGcm(null));
        Assert.False(DirectoryRecipientCapabilities.AdvertisesGcm([]));
    }

    private static byte[] Capabilities(params DerObjectIdentifier[] algorithms)
    {
        var vector = new SmimeCapabilityVector();
        foreach (var algorithm in algorithms)
        {
            vector.AddCapability(algorithm);
        }

        return new SmimeCapabilities(new DerSequence(vector.ToAsn1EncodableVector())).GetDerEncoded();
    }
}
