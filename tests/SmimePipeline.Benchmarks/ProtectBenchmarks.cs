using BenchmarkDotNet.Attributes;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Benchmarks;

/// <summary>The whole protect stage: compose, canonicalise, sign (RSA-2048), encrypt (AES-256-CBC), serialise.</summary>
[MemoryDiagnoser]
public class ProtectBenchmarks : IDisposable
{
    private readonly BenchmarkKeys _keys = new();
    private readonly ProtectEmail _small = BenchmarkMail.Small();
    private readonly ProtectEmail _standard = BenchmarkMail.Standard();
    private SmimeProtector _protector = null!;

    [GlobalSetup]
    public void Setup() => _protector = new SmimeProtector(_keys);

    [Benchmark]
    public int ProtectSmall()
    {
        using var message = MimeComposer.Compose(_small);
        return _protector.Protect(message, SecurityPolicy.SignAndEncrypt).Content.Length;
    }

    [Benchmark]
    public int ProtectStandard()
    {
        using var message = MimeComposer.Compose(_standard);
        return _protector.Protect(message, SecurityPolicy.SignAndEncrypt).Content.Length;
    }

    [Benchmark]
    public int ComposeStandard()
    {
        using var message = MimeComposer.Compose(_standard);
        return message.Headers.Count;
    }

    public void Dispose()
    {
        _keys.Dispose();
        GC.SuppressFinalize(this);
    }
}
