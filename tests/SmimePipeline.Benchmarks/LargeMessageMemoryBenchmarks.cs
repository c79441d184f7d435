using BenchmarkDotNet.Attributes;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Benchmarks;

/// <summary>
/// Issue 13: memory while protecting must stay within a small multiple of the message. Protects one mail with a single
/// attachment of 1, 5 and 10 MB (≈1.9, 9.4 and 18.8 MB protected, the last just under the 20 MB limit) and reports,
/// with <see cref="MemoryDiagnoserAttribute"/>, the bytes allocated per protected mail; divide by the output size
/// (returned) for the multiple.
/// </summary>
[MemoryDiagnoser]
public class LargeMessageMemoryBenchmarks : IDisposable
{
    private readonly BenchmarkKeys _keys = new();
    private SmimeProtector _protector = null!;
    private ProtectEmail _mail = null!;

    /// <summary>The attachment's size in bytes.</summary>
    [Params(1_000_000, 5_000_000, 10_000_000)]
    public int AttachmentBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _protector = new SmimeProtector(_keys);
        var attachment = new byte[AttachmentBytes];
        new Random(AttachmentBytes).NextBytes(attachment);
        _mail = new ProtectEmail
        {
            MailId = Guid.NewGuid(),
            From = new MailAddress(BenchmarkKeys.Sender),
            To = [new MailAddress(BenchmarkKeys.Recipient)],
            Subject = "Large statement",
            TextBody = "The archive is attached.",
            Attachments = [new MailAttachment("archive.bin", "application/octet-stream", attachment)],
        };
    }

    [Benchmark]
    public int ProtectLarge()
    {
        using var message = MimeComposer.Compose(_mail);
        return _protector.Protect(message, SecurityPolicy.SignAndEncrypt).Content.Length;
    }

    public void Dispose()
    {
        _keys.Dispose();
        GC.SuppressFinalize(this);
    }
}
