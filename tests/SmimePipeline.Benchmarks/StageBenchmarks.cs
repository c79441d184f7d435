using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using SmimePipeline.Cryptography.Buffers;
using SmimePipeline.Cryptography.Cms;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Benchmarks;

/// <summary>
/// The stages of the protect path on the standard message, one at a time, so a regression shows where
/// it is: MIME canonicalisation, CMS SignedData (detached), CMS EnvelopedData, the final pkcs7-mime message
/// (outer headers and base64). Composition alone is <see cref="ProtectBenchmarks.ComposeStandard"/>.
/// </summary>
[MemoryDiagnoser]
public class StageBenchmarks : IDisposable
{
    private readonly BenchmarkKeys _keys = new();
    private readonly Contracts.ProtectEmail _standard = BenchmarkMail.Standard();
    private byte[] _canonical = [];
    private CmsSignerKey _signerKey = null!;
    private X509Certificate2[] _recipients = [];
    private byte[] _envelopedData = [];

    [GlobalSetup]
    public void Setup()
    {
        using var message = MimeComposer.Compose(BenchmarkMail.Standard());
        using var canonical = new PooledMemoryStream();
        MimeCanonicalizer.WriteCanonical(message.Body!, canonical);
        _canonical = canonical.ToArray();
        _signerKey = new CmsSignerKey(_keys.SignerIdentity);
        _recipients = [_keys.RecipientCertificate, _keys.SignerIdentity.Certificate];
        _envelopedData = CmsEnvelopedDataWriter.Write(_canonical, _recipients, ContentEncryptionAlgorithm.Aes256Cbc);
    }

    [Benchmark]
    public long CanonicaliseStandard()
    {
        using var message = MimeComposer.Compose(_standard);
        using var canonical = new PooledMemoryStream(64 * 1024);
        MimeCanonicalizer.WriteCanonical(message.Body!, canonical);
        return canonical.Length;
    }

    [Benchmark]
    public int SignOnlyStandard() => CmsSignedDataWriter.WriteDetached(_canonical, _signerKey, DateTimeOffset.UtcNow).Length;

    [Benchmark]
    public int EnvelopeOnlyStandard() => CmsEnvelopedDataWriter.Write(_canonical, _recipients, ContentEncryptionAlgorithm.Aes256Cbc).Length;

    [Benchmark]
    public int FinalMimeStandard() => SmimeEntityWriter.CreatePkcs7MimeMessage(OuterHeaders, _envelopedData, Pkcs7MimeType.EnvelopedData).Length;

    private static ReadOnlySpan<byte> OuterHeaders => "From: noreply@bank.example\r\nTo: alice@example.org\r\nSubject: Statement\r\nMIME-Version: 1.0\r\n"u8;

    public void Dispose()
    {
        _signerKey?.Dispose();
        _keys.Dispose();
        GC.SuppressFinalize(this);
    }
}
