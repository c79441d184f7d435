using System.Security.Cryptography.X509Certificates;

namespace SmimePipeline.Cryptography.Options;

/// <summary>Knows nothing about any recipient: every mail gets the interoperable AES-CBC.</summary>
public sealed class UnknownRecipientCapabilities : IRecipientCapabilities
{
    /// <summary>The shared instance.</summary>
    public static UnknownRecipientCapabilities Instance { get; } = new();

    /// <inheritdoc />
    public bool CanReadAuthEnveloped(string address, X509Certificate2 certificate) => false;
}
