using SmimePipeline.Testing.Pkcs11;

namespace SmimePipeline.IntegrationTests.Pkcs11;

/// <summary>
/// One SoftHSM2 token per test process with an RSA-2048 (id 01) and an EC P-256 (id 02) signing key generated
/// inside it. SoftHSM2 sees only tokens that exist when the module is loaded, so all tests share this one; each
/// test issues its own certificates for the two public keys.
/// </summary>
internal static class PipelineToken
{
    private static readonly Lazy<Task<PipelineTokenKeys>> Keys = new(CreateAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    public static Task<PipelineTokenKeys> GetAsync() => Keys.Value;

    private static async Task<PipelineTokenKeys> CreateAsync()
    {
        string label = await SoftHsm.CreateTokenAsync("pipeline");
        byte[] rsa = await SoftHsm.GenerateKeyPairAsync(label, "rsa:2048", "statements-rsa", 1) ?? throw new InvalidOperationException("no RSA public key");
        byte[] ec = await SoftHsm.GenerateKeyPairAsync(label, "EC:prime256v1", "statements-ec", 2) ?? throw new InvalidOperationException("no EC public key");
        return new PipelineTokenKeys(label, rsa, ec);
    }
}

/// <summary>The shared token and its two public keys (SubjectPublicKeyInfo).</summary>
internal sealed record PipelineTokenKeys(string Token, byte[] RsaPublicKey, byte[] EcPublicKey)
{
    public string RsaUri => $"pkcs11:token={Token};object=statements-rsa;id=%01";

    public string EcUri => $"pkcs11:token={Token};object=statements-ec;id=%02";
}
