using System.Net;
using System.Net.Sockets;
using DnsClient;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace SmimePipeline.CertificateDirectory.Dkim;

/// <summary>
/// Fetches DKIM public keys (RFC 6376 §3.6.2) from DNS: the TXT record at <c>selector._domainkey.domain</c>,
/// through DnsClient. The resolver is the system's (<c>/etc/resolv.conf</c>) unless a server is given. Answers
/// are cached for their TTL.
/// </summary>
/// <remarks>
/// A name that does not exist, a record without a key and a revoked key (<c>p=</c> empty) refuse the signature
/// (<see cref="InboundMailRefusedException"/>, <c>dkim-failed</c>); a server that does not answer (timeout,
/// SERVFAIL, network) throws <see cref="DkimKeyUnavailableException"/>, which the caller retries.
/// </remarks>
public sealed class DnsDkimPublicKeyLocator : DkimPublicKeyLocatorBase
{
    private readonly LookupClient _client;

    /// <summary>Creates the locator.</summary>
    /// <param name="server">The DNS server to ask; null for the system's resolvers.</param>
    /// <param name="timeout">How long one query may take. Default 5 s.</param>
    public DnsDkimPublicKeyLocator(IPEndPoint? server = null, TimeSpan? timeout = null)
    {
        var options = server is null ? new LookupClientOptions() : new LookupClientOptions(new NameServer(server));
        options.UseCache = true;
        options.Timeout = timeout ?? TimeSpan.FromSeconds(5);
        options.Retries = 2;
        options.ThrowDnsErrors = false;
        options.ContinueOnDnsError = false;
        options.UseTcpFallback = true;
        _client = new LookupClient(options);
    }

    /// <inheritdoc />
    public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default)
    {
        var query = QueryName(methods, domain, selector);
        IDnsQueryResponse response;
        try
        {
            response = _client.Query(query, QueryType.TXT, QueryClass.IN);
        }
        catch (Exception ex) when (ex is DnsResponseException or SocketException)
        {
            throw Unavailable(query, ex);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DkimKeyUnavailableException($"DNS did not answer the DKIM key query for {query} in time.");
        }

        return KeyFrom(query, response);
    }

    /// <inheritdoc />
    public override async Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default)
    {
        var query = QueryName(methods, domain, selector);
        IDnsQueryResponse response;
        try
        {
            response = await _client.QueryAsync(query, QueryType.TXT, QueryClass.IN, cancellationToken);
        }
        catch (Exception ex) when (ex is DnsResponseException or SocketException)
        {
            throw Unavailable(query, ex);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // DnsClient ends a query that got no answer within its timeout this way: no answer, not the consume being cancelled.
            // No inner exception: MassTransit reports an exception with a cancellation in its chain as ConsumerCanceledException.
            throw new DkimKeyUnavailableException($"DNS did not answer the DKIM key query for {query} in time.");
        }

        return KeyFrom(query, response);
    }

    private static string QueryName(string methods, string domain, string selector)
    {
        // q= may list other methods; dns/txt is the only one defined (RFC 6376 §3.5).
        if (methods is { Length: > 0 } && !methods.Split(':').Any(m => m.Trim().Equals("dns/txt", StringComparison.OrdinalIgnoreCase)))
        {
            throw new InboundMailRefusedException(InboundRefusalReasons.DkimFailed, null, $"The DKIM signature of {domain} asks for key query method '{methods}', not dns/txt.");
        }

        if (!DnsNames.IsHostName(domain) || !DnsNames.IsHostName(selector))
        {
            throw new InboundMailRefusedException(InboundRefusalReasons.DkimFailed, null, "The DKIM signature names a domain or selector that is not a DNS name.");
        }

        return $"{selector}._domainkey.{domain}";
    }

    private static AsymmetricKeyParameter KeyFrom(string query, IDnsQueryResponse response)
    {
        if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
        {
            throw new InboundMailRefusedException(InboundRefusalReasons.DkimFailed, null, $"No DKIM key is published at {query} (NXDOMAIN).");
        }

        if (response.HasError)
        {
            throw new DkimKeyUnavailableException($"DNS answered the DKIM key query for {query} with {response.Header.ResponseCode}.");
        }

        // RFC 6376 §3.6.2.2: the strings of one TXT record are concatenated.
        var records = response.Answers.TxtRecords().Select(r => string.Concat(r.Text)).Where(t => t.Contains("p=", StringComparison.Ordinal)).ToList();
        if (records.Count == 0)
        {
            throw new InboundMailRefusedException(InboundRefusalReasons.DkimFailed, null, $"No DKIM key record is published at {query}.");
        }

        if (records.Count > 1)
        {
            throw new InboundMailRefusedException(InboundRefusalReasons.DkimFailed, null, $"{records.Count} DKIM key records are published at {query}; which one signs is ambiguous.");
        }

        try
        {
            return GetPublicKey(records[0]);
        }
        catch (Exception ex) when (ex is MimeKit.ParseException or FormatException or ArgumentException)
        {
            throw new InboundMailRefusedException(InboundRefusalReasons.DkimFailed, null, $"The DKIM key record at {query} is not usable (revoked or malformed): {ex.Message}");
        }
    }

    /// <summary>
    /// The exception for a query DNS did not answer. A timeout carries a cancellation in its chain, which MassTransit would
    /// report as <c>ConsumerCanceledException</c> instead of this: then the driver's words go into the message alone.
    /// </summary>
    private static DkimKeyUnavailableException Unavailable(string query, Exception ex)
    {
        string message = $"DNS did not answer the DKIM key query for {query}: {ex.Message}";
        for (var cause = ex; cause is not null; cause = cause.InnerException)
        {
            if (cause is OperationCanceledException)
            {
                return new DkimKeyUnavailableException(message);
            }
        }

        return new DkimKeyUnavailableException(message, ex);
    }
}
