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

    /// <summary>The default policy: sign and encrypt.</summary>
    public static SecurityPolicy SignAndEncrypt { get; } = new();

    /// <summary>Sign only; the content stays readable in transit.</summary>
    public static SecurityPolicy SignOnly { get; } = new() { Encrypt = false };
}
