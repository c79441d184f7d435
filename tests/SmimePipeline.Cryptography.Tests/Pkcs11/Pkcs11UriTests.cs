using SmimePipeline.Cryptography.Pkcs11;

namespace SmimePipeline.Cryptography.Tests.Pkcs11;

public sealed class Pkcs11UriTests
{
    [Fact]
    public void Parses_token_object_id_and_module_path()
    {
        var uri = Pkcs11Uri.Parse("pkcs11:token=bank%20signers;object=statements;id=%01%a0;type=private?module-path=/opt/hsm/lib/libvendor.so");

        Assert.Equal("bank signers", uri.Token);
        Assert.Equal("statements", uri.ObjectLabel);
        Assert.Equal(new byte[] { 0x01, 0xA0 }, uri.Id!.Value.ToArray());
        Assert.Equal("/opt/hsm/lib/libvendor.so", uri.ModulePath);
        Assert.Equal("pkcs11:token=bank%20signers;object=statements;id=%01%a0;type=private?module-path=/opt/hsm/lib/libvendor.so", uri.ToString());
        Assert.Equal(uri, Pkcs11Uri.Parse(uri.ToString()));
    }

    [Fact]
    public void Reads_the_pin_source_as_a_file_path()
    {
        var uri = Pkcs11Uri.Parse("pkcs11:serial=7a3f;slot-id=3;id=%02?pin-source=file:/run/secrets/hsm-pin");

        Assert.Equal("/run/secrets/hsm-pin", uri.PinSource);
        Assert.Equal("7a3f", uri.Serial);
        Assert.Equal(3UL, uri.SlotId);
    }

    [Theory]
    [InlineData("pkcs11:token=t;object=k;pin-value=1234", "pin-value")]
    [InlineData("pkcs11:token=t;object=k?pin-value=1234", "pin-value")]
    [InlineData("pkcs11:token=t", "names no key")]
    [InlineData("pkcs11:token=t;object=k;type=cert", "type=private")]
    [InlineData("pkcs11:token=t;object=k;colour=blue", "colour")]
    [InlineData("pkcs11:token=t;object=k;object=j", "twice")]
    [InlineData("pkcs11:token=t;id=%0", "percent-encoding")]
    [InlineData("pkcs11:token=t;id=%zz", "percent-encoding")]
    [InlineData("file:/etc/key.pem", "pkcs11:")]
    [InlineData("pkcs11:token=t;object=k?module-name=softhsm2", "module-path")]
    public void Refuses_what_it_cannot_use_and_says_which_attribute(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => Pkcs11Uri.Parse(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("1234", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configured_module_fills_in_only_when_the_uri_names_none()
    {
        var bare = Pkcs11Uri.Parse("pkcs11:token=t;object=k");
        var named = Pkcs11Uri.Parse("pkcs11:token=t;object=k?module-path=/a.so");

        Assert.Equal("/b.so", bare.WithModuleIfMissing("/b.so").ModulePath);
        Assert.Equal("/a.so", named.WithModuleIfMissing("/b.so").ModulePath);
    }

    [Fact]
    public void A_uri_without_id_has_no_id()
    {
        Assert.Null(Pkcs11Uri.Parse("pkcs11:token=t;object=k").Id);
    }
}
