using SmimePipeline.Contracts;
using SmimePipeline.Cryptography;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Benchmarks;

/// <summary>
/// One mail protected as the worker's <c>ProtectEmailConsumer</c> protects it: composed by
/// <see cref="MimeComposer.ComposeForProtection(ProtectEmail)"/> (the body written straight into canonical bytes), then
/// signed and encrypted by a <see cref="SmimeProtector"/> over the bench keys with the default options.
/// </summary>
internal sealed class WorkerProtect(BenchmarkKeys keys, ProtectEmail mail)
{
    /// <summary>The protector (default options: RSA PKCS #1 v1.5 key transport, AES-256-CBC, clear signing).</summary>
    public SmimeProtector Protector { get; } = new(keys);

    /// <summary>The mail this instance protects.</summary>
    public ProtectEmail Mail { get; } = mail;

    /// <summary>Composes and protects the mail once (sign and encrypt).</summary>
    public ProtectedMail Run()
    {
        using var composed = MimeComposer.ComposeForProtection(Mail);
        return Protector.Protect(composed, SecurityPolicy.SignAndEncrypt);
    }
}
