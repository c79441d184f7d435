using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Mime;
namespace SmimePipeline.Cryptography.Tests;
[Collection("demo-pki")]
public sealed class ProbeTests(DemoPkiFixture fixture)
{
    [Fact]
    public void Dump()
    {
        var p = new SmimeProtector(fixture.Store);
        var r = p.Protect(MimeComposer.Compose(TestMails.Create(fixture.Pki.SenderAddress, "x@y.example")), SecurityPolicy.SignOnly);
        File.WriteAllBytes("/tmp/probe/signed.eml", r.Content);
        r = p.Protect(MimeComposer.Compose(TestMails.Create(fixture.Pki.SenderAddress, "alice@demo.smime.test")), SecurityPolicy.SignAndEncrypt);
        File.WriteAllBytes("/tmp/probe/enc.eml", r.Content);
    }
}
