namespace SmimePipeline.Contracts;

/// <summary>What protection a mail must get. The default signs and encrypts.</summary>
public sealed record SecurityPolicy
{
    /// <summary>Sign with the sender's key. Default <see langword="true"/>.</summary>
    public bool Sign { get; init; } = true;

    /// <summary>
    /// Encrypt to every recipient's certificate (and to the sender's own). Default <see langword="true"/>.
    /// When set, a recipient without a certificate stops the mail: nothing goes out in plaintext.
    /// </summary>
    public bool Encrypt { get; init; } = true;

    /// <summary>
    /// What to do when a recipient has no valid certificate; <see langword="null"/> (default) means the
    /// worker's configured default, which itself defaults to <see cref="MissingCertificatePolicy.Fail"/>.
    /// </summary>
    public MissingCertificatePolicy? MissingCertificate { get; init; }

    /// <summary>
    /// Whether the producer allows this mail to go out signed but unencrypted under
    /// <see cref="MissingCertificatePolicy.SignOnly"/>. Default <see langword="false"/>.
    /// </summary>
    public bool AllowSignOnly { get; init; }

    /// <summary>The default policy: sign and encrypt.</summary>
    public static SecurityPolicy SignAndEncrypt { get; } = new();

    /// <summary>Sign only; the content stays readable in transit.</summary>
    public static SecurityPolicy SignOnly { get; } = new() { Encrypt = false };
}
