using SmimePipeline.Cryptography.Options;

namespace SmimePipeline.Cryptography.Tests.Algorithms;

public sealed class ProtectionOptionsValidatorTests
{
    [Fact]
    public void Defaults_are_valid_and_interoperable()
    {
        var options = new ProtectionOptions();
        Assert.True(new ProtectionOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal(SignatureScheme.RsaPkcs1, options.Signature);
        Assert.Equal(ContentCipher.Auto, options.Cipher);
        Assert.Equal(KeyTransport.RsaPkcs1, options.KeyTransport);
        Assert.False(options.Opaque);
        Assert.False(options.HeaderProtection);
        Assert.Equal("[...]", options.ObscuredSubject);
        Assert.True(options.LegacyDisplay, "RFC 9788's legacy display is on whenever header protection is on");
    }

    [Fact]
    public void An_unknown_allowed_algorithm_is_named_with_the_setting()
    {
        var options = new ProtectionOptions();
        options.AllowedAlgorithms.Add("des-ede3-cbc");
        var result = new ProtectionOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains("SmimePipeline:Signer:Protection:AllowedAlgorithms", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("des-ede3-cbc", result.FailureMessage, StringComparison.Ordinal);
    }
}
