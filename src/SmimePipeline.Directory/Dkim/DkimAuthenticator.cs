using MimeKit;
using MimeKit.Cryptography;

namespace SmimePipeline.CertificateDirectory.Dkim;

/// <summary>
/// Decides whether an inbound mail really comes from its From domain: a DKIM signature (RFC 6376) that
/// verifies with the key the signing domain publishes in DNS, whose <c>d=</c> is aligned with the From
/// domain as <see cref="DkimAlignment"/> requires, and which covers the From header.
/// </summary>
/// <remarks>
/// Signatures with a body length limit (<c>l=</c>) are not counted: they let anyone append content after
/// the signed part (RFC 6376 §8.2). RSA-SHA1 is not accepted (RFC 8301); RSA keys must have 1024 bits or more.
/// At most <see cref="MaxSignatures"/> signatures are tried, so a mail cannot make us query DNS without end.
/// </remarks>
public sealed class DkimAuthenticator
{
    /// <summary>How many DKIM-Signature headers are tried at most.</summary>
    public const int MaxSignatures = 5;

    private readonly DkimVerifier _verifier;
    private readonly DkimAlignment _alignment;

    /// <summary>Creates the authenticator.</summary>
    /// <param name="locator">Where public keys come from (DNS in production).</param>
    /// <param name="alignment">How <c>d=</c> must relate to the From domain. Default <see cref="DkimAlignment.Require"/>.</param>
    public DkimAuthenticator(IDkimPublicKeyLocator locator, DkimAlignment alignment = DkimAlignment.Require)
    {
        ArgumentNullException.ThrowIfNull(locator);
        if (!Enum.IsDefined(alignment))
        {
            throw new ArgumentOutOfRangeException(nameof(alignment), alignment, "Require, Relaxed or Off.");
        }

        _verifier = new DkimVerifier(locator) { MinimumRsaKeyLength = 1024 };
        _verifier.Disable(DkimSignatureAlgorithm.RsaSha1);
        _alignment = alignment;
    }

    /// <summary>The policy in force.</summary>
    public DkimAlignment Alignment => _alignment;

    /// <summary>Authenticates <paramref name="message"/> (as loaded from its received bytes, unmodified).</summary>
    /// <returns>The signature that passed; null when the policy is <see cref="DkimAlignment.Off"/>.</returns>
    /// <exception cref="InboundMailRefusedException">
    /// <c>from-invalid</c> (not exactly one From mailbox with a domain), <c>dkim-missing</c> (no usable
    /// DKIM-Signature), <c>dkim-failed</c> (none verifies: content changed, key missing, revoked or weak),
    /// <c>dkim-not-aligned</c> (one verifies, but for another domain). The message names the From address and
    /// the signing domains.
    /// </exception>
    /// <exception cref="DkimKeyUnavailableException">DNS did not answer: transient, retry later.</exception>
    public async Task<DkimVerdict?> AuthenticateAsync(MimeMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_alignment == DkimAlignment.Off)
        {
            return null;
        }

        var senders = message.From.Mailboxes.ToList();
        if (senders.Count != 1)
        {
            throw new InboundMailRefusedException(InboundRefusalReasons.FromInvalid, null, $"The mail has {senders.Count} From mailboxes; exactly one is required.");
        }

        string from = senders[0].Address;
        string fromDomain = DnsNames.Normalize(senders[0].Domain)
            ?? throw new InboundMailRefusedException(InboundRefusalReasons.FromInvalid, from, $"The From address {from} has no valid domain.");

        var headers = message.Headers.Where(h => h.Id == HeaderId.DkimSignature).ToList();
        if (headers.Count == 0)
        {
            throw new InboundMailRefusedException(InboundRefusalReasons.DkimMissing, from, $"The mail from {from} carries no DKIM signature.");
        }

        var failures = new List<string>();
        var misaligned = new List<string>();
        foreach (var header in headers.Take(MaxSignatures))
        {
            var tags = DkimTags.Parse(header.Value);
            string domain = DnsNames.Normalize(tags.GetValueOrDefault("d")) ?? "(no valid d=)";
            string selector = tags.GetValueOrDefault("s") ?? string.Empty;
            if (tags.ContainsKey("l"))
            {
                failures.Add($"d={domain}: a body length limit (l=) leaves content unsigned");
                continue;
            }

            if (!(tags.GetValueOrDefault("h") ?? string.Empty).Split(':').Any(h => h.Trim().Equals("from", StringComparison.OrdinalIgnoreCase)))
            {
                failures.Add($"d={domain}: the signature does not cover From");
                continue;
            }

            bool verified;
            try
            {
                verified = await _verifier.VerifyAsync(message, header, cancellationToken);
            }
            catch (InboundMailRefusedException refusal)
            {
                failures.Add($"d={domain}: {refusal.Message}");
                continue;
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or NotSupportedException)
            {
                failures.Add($"d={domain}: malformed signature ({ex.Message})");
                continue;
            }

            if (!verified)
            {
                failures.Add($"d={domain}: the signature does not verify (content changed after signing, or weak or disabled algorithm)");
                continue;
            }

            if (OrganisationalDomain.Aligned(domain, fromDomain, _alignment))
            {
                return new DkimVerdict(fromDomain, domain, selector);
            }

            misaligned.Add(domain);
        }

        if (misaligned.Count > 0)
        {
            throw new InboundMailRefusedException(
                InboundRefusalReasons.DkimNotAligned,
                from,
                $"The mail from {from} is DKIM-signed by {string.Join(", ", misaligned)}, not by {fromDomain} ({_alignment} alignment).");
        }

        throw new InboundMailRefusedException(
            InboundRefusalReasons.DkimFailed,
            from,
            $"No DKIM signature of the mail from {from} verifies: {string.Join("; ", failures)}.");
    }
}
