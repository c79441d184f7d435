using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace SmimePipeline.Delivery.SparkPost;

/// <summary>
/// Delivers through SparkPost's Transmissions API (<c>POST /api/v1/transmissions</c>) with the
/// protected message as <c>content.email_rfc822</c>: the bytes go unchanged (no dot-stuffing, no
/// final "."; that is SMTP framing, not content), so the signature stays valid. Recipients come from
/// the envelope (To, Cc and Bcc alike; Bcc never appears in headers because the signer never writes
/// it). Open and click tracking are off because both rewrite the body and would break the signature;
/// <c>transactional</c> is on so unsubscribe suppression never swallows a statement. The pipeline's
/// mail id travels in <c>metadata.smime_mail_id</c>, and SparkPost's transmission id is returned as
/// <see cref="DeliveryReceipt.ProviderMessageId"/>.
/// </summary>
/// <remarks>
/// SparkPost has no idempotency key: a retried POST after a lost answer can send the mail twice.
/// The sender worker's delivery ledger prevents that for everything but the crash window it documents.
/// SparkPost's synchronous answer only counts rejected recipients; it does not name them.
/// </remarks>
public sealed class SparkPostTransport : IMailTransport
{
    /// <summary>The transport name used in configuration and receipts.</summary>
    public const string TransportName = "sparkpost";

    /// <summary>The name of the <see cref="IHttpClientFactory"/> client this transport uses.</summary>
    public const string HttpClientName = "SmimePipeline.SparkPost";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly SparkPostOptions _options;
    private readonly string _apiKey;
    private readonly Uri _transmissionsUrl;

    /// <summary>Creates the transport; reads the API key (from <see cref="SparkPostOptions.ApiKeyFile"/> if set).</summary>
    /// <exception cref="ArgumentException">No API key is configured.</exception>
    public SparkPostTransport(IHttpClientFactory httpClientFactory, IOptions<SparkPostOptions> options)
    {
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        ArgumentNullException.ThrowIfNull(options);
        _httpClientFactory = httpClientFactory;
        _options = options.Value;
        _apiKey = ReadApiKey(_options);
        _transmissionsUrl = new Uri(_options.EffectiveBaseUrl, "transmissions");
    }

    /// <inheritdoc />
    public string Name => TransportName;

    /// <inheritdoc />
    /// <exception cref="DeliveryException">
    /// Every failure, whatever its cause: an error answer classified by
    /// <see cref="SparkPostErrorClassifier.ClassifyAnswer"/>; no answer within
    /// <see cref="SparkPostOptions.Timeout"/>, a refused or reset connection, a success answer that cannot be
    /// read (<see cref="DeliveryFailureKind.Transient"/>; <see cref="DeliveryException.MayHaveBeenAccepted"/>
    /// when the request may have reached SparkPost); a message over <see cref="SparkPostOptions.MaxContentBytes"/>
    /// or without recipients (<see cref="DeliveryFailureKind.Permanent"/>, the API is not called).
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<DeliveryReceipt> SendAsync(OutgoingMail mail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mail);
        if (mail.EnvelopeTo.Count == 0)
        {
            throw new DeliveryException(DeliveryFailureKind.Permanent, Name, null, "The mail has no envelope recipient.") { ReasonCode = "no-recipients" };
        }

        if (mail.Content.Length > _options.MaxContentBytes)
        {
            throw new DeliveryException(
                DeliveryFailureKind.Permanent, Name, null,
                $"The message is {mail.Content.Length} bytes; SparkPost accepts at most {_options.MaxContentBytes} (SmimePipeline:Delivery:SparkPost:MaxContentBytes).")
            {
                ReasonCode = "message-too-large",
            };
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, _transmissionsUrl)
        {
            Content = new ByteArrayContent(BuildRequestBody(mail)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("Authorization", _apiKey);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        var client = _httpClientFactory.CreateClient(HttpClientName);
        int status;
        byte[] body;
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            status = (int)response.StatusCode;
            body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DeliveryException(
                DeliveryFailureKind.Transient, Name, null, $"SparkPost did not answer within {_options.Timeout.TotalSeconds:F0} s.", e)
            {
                ReasonCode = "esp-timeout",
                MayHaveBeenAccepted = true,
            };
        }
        catch (HttpRequestException e)
        {
            // Refused before the request left (name, connect, TLS): SparkPost never saw the mail. Anything
            // later (reset, truncated answer, protocol error): it may have accepted it.
            var neverSent = e.HttpRequestError is HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError
                or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError;
            throw new DeliveryException(DeliveryFailureKind.Transient, Name, null, $"Cannot reach SparkPost at {_transmissionsUrl.Host}: {e.Message}", e)
            {
                ReasonCode = neverSent ? "esp-unreachable" : "esp-connection-lost",
                MayHaveBeenAccepted = !neverSent,
            };
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // Whatever else the HTTP stack throws (a reset while reading, a disposed connection): the
            // outcome is unknown, the mail stays on the retry ladder.
            throw new DeliveryException(DeliveryFailureKind.Transient, Name, null, $"The exchange with SparkPost at {_transmissionsUrl.Host} failed ({e.GetType().Name}).", e)
            {
                ReasonCode = "esp-connection-lost",
                MayHaveBeenAccepted = true,
            };
        }

        if (status is >= 200 and < 300)
        {
            return ReadReceipt(mail, status, body);
        }

        var failure = SparkPostErrorClassifier.ClassifyAnswer(status, body);
        throw new DeliveryException(failure.Kind, Name, SparkPostErrorClassifier.Describe(status, failure), $"SparkPost refused the transmission ({failure.Kind}).")
        {
            ReasonCode = failure.ReasonCode,
        };
    }

    /// <summary>The exact JSON body sent for <paramref name="mail"/> (exposed for tests and support).</summary>
    /// <exception cref="DeliveryException">The content is not valid UTF-8 (<see cref="DeliveryFailureKind.Permanent"/>).</exception>
    public static byte[] BuildRequestBody(OutgoingMail mail)
    {
        ArgumentNullException.ThrowIfNull(mail);
        string rfc822;
        try
        {
            // JSON carries text; S/MIME output is 7-bit (base64 parts), so this only fails for 8-bit
            // content that is not UTF-8, which SparkPost could not carry unchanged either.
            rfc822 = StrictUtf8.GetString(mail.Content.Span);
        }
        catch (DecoderFallbackException e)
        {
            throw new DeliveryException(DeliveryFailureKind.Permanent, TransportName, null, "The message is not valid UTF-8 and cannot be sent as email_rfc822.", e)
            {
                ReasonCode = "content-not-utf8",
            };
        }

        using var buffer = new MemoryStream(mail.Content.Length + 512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("options");
            json.WriteBoolean("open_tracking", false);
            json.WriteBoolean("click_tracking", false);
            json.WriteBoolean("transactional", true);
            json.WriteEndObject();
            json.WriteStartObject("metadata");
            json.WriteString("smime_mail_id", mail.MailId.ToString("D"));
            json.WriteEndObject();
            json.WriteStartArray("recipients");
            foreach (var recipient in mail.EnvelopeTo)
            {
                json.WriteStartObject();
                json.WriteStartObject("address");
                json.WriteString("email", recipient);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartObject("content");
            json.WriteString("email_rfc822", rfc822);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private DeliveryReceipt ReadReceipt(OutgoingMail mail, int status, byte[] body)
    {
        if (!SparkPostReceiptReader.TryRead(body, mail.EnvelopeTo.Count, out var id, out var accepted, out var rejected))
        {
            // The mail may have been accepted: classify as transient, the ledger records the outcome as unknown.
            throw new DeliveryException(
                DeliveryFailureKind.Transient, Name, $"HTTP {status.ToString(CultureInfo.InvariantCulture)} with an unreadable body", "SparkPost's answer could not be read.")
            {
                ReasonCode = "esp-answer-unreadable",
                MayHaveBeenAccepted = true,
            };
        }

        if (accepted == 0)
        {
            throw new DeliveryException(
                DeliveryFailureKind.Permanent, Name, $"HTTP {status.ToString(CultureInfo.InvariantCulture)} total_rejected_recipients={rejected}",
                $"SparkPost accepted none of the {mail.EnvelopeTo.Count} recipient(s).")
            {
                ReasonCode = "all-recipients-rejected",
            };
        }

        IReadOnlyList<RecipientRejection> rejections = rejected == 0 ? [] :
        [
            // SparkPost only counts the rejected recipients; which ones is in its event webhooks.
            new RecipientRejection("*", DeliveryFailureKind.Permanent, $"SparkPost rejected {rejected} of {accepted + rejected} recipient(s)"),
        ];
        return new DeliveryReceipt(Name, id, mail.EnvelopeTo, rejections);
    }

    private static string ReadApiKey(SparkPostOptions options)
    {
        var key = !string.IsNullOrEmpty(options.ApiKeyFile) ? File.ReadAllText(options.ApiKeyFile).TrimEnd('\r', '\n') : options.ApiKey;
        ArgumentException.ThrowIfNullOrWhiteSpace(key, "options.ApiKey");
        return key;
    }
}
