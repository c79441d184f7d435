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
    /// Per-message content cipher: <c>aes128-cbc</c>, <c>aes256-cbc</c>, <c>aes128-gcm</c> or <c>aes256-gcm</c>.
    /// Default <see langword="null"/>: the signer's setting, which picks GCM only for recipients known to read it.
    /// </summary>
    public string? Cipher { get; init; }

    /// <summary>
    /// Per-message opaque signing (<c>application/pkcs7-mime; smime-type=signed-data</c>) instead of
    /// multipart/signed. Default <see langword="null"/>: the signer's setting.
    /// </summary>
    public bool? Opaque { get; init; }

    /// <summary>
    /// Per-message header protection (RFC 9788): the real headers travel inside the signature (and the
    /// envelope). Default <see langword="null"/>: the signer's setting.
    /// </summary>
    public bool? HeaderProtection { get; init; }

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
