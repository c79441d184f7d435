using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using SmimePipeline.Cryptography.Buffers;
using SmimePipeline.Cryptography.Cms;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Benchmarks;

/// <summary>
/// The stages of the protect path on the standard message, one at a time, so a regression shows where
/// it is: MIME canonicalisation, CMS SignedData (detached), CMS EnvelopedData.
/// </summary>
[MemoryDiagnoser]
public class StageBenchmarks : IDisposable
{
    private readonly BenchmarkKeys _keys = new();
    private readonly Contracts.ProtectEmail _standard = BenchmarkMail.Standard();
    private byte[] _canonical = [];
    private CmsSignerKey _signerKey = null!;
    private X509Certificate2[] _recipients = [];

    [GlobalSetup]
    public void Setup()
    {
        using var message = MimeComposer.Compose(BenchmarkMail.Standard());
        using var canonical = new PooledMemoryStream();
        MimeCanonicalizer.WriteCanonical(message.Body!, canonical);
        _canonical = canonical.ToArray();
        _signerKey = new CmsSignerKey(_keys.SignerIdentity);
        _recipients = [_keys.RecipientCertificate, _keys.SignerIdentity.Certificate];
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

    public void Dispose()
    {
        _signerKey?.Dispose();
        _keys.Dispose();
        GC.SuppressFinalize(this);
    }
}
