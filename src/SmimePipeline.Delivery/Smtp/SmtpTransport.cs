using System.Net;
using System.Runtime.InteropServices;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace SmimePipeline.Delivery.Smtp;

/// <summary>
/// Delivers through an SMTP server or relay with MailKit. The envelope comes from
/// <see cref="OutgoingMail"/>, not from the headers. The message bytes are sent unchanged (they are
/// signed, and any re-encoding would break the signature) except for one outer header prepended,
/// <see cref="MailIdHeader"/>, which the signature does not cover. Recipients the server refuses while
/// accepting others are reported in the receipt. When the server offers DSN (RFC 3461), the mail id goes
/// as <c>ENVID</c>, with <c>RET=HDRS</c> and <see cref="SmtpOptions.Notify"/> per recipient, so that a
/// bounce (RFC 3464) names the mail by its Original-Envelope-Id, or by the returned mail-id header.
/// </summary>
/// <remarks>
/// Connections are pooled: at most <see cref="SmtpOptions.MaxConnections"/> at once, each reused for
/// at most <see cref="SmtpOptions.MaxMessagesPerConnection"/> mails (a finished DATA ends the mail
/// transaction, RFC 5321 section 4.1.4, so the next MAIL FROM starts cleanly), then closed with QUIT. A connection that failed in any way is discarded, never
/// reused; an idle one is checked with NOOP before reuse, because relays close idle sessions.
/// </remarks>
public sealed class SmtpTransport : IMailTransport, IDisposable
{
    /// <summary>The transport name used in configuration and receipts.</summary>
    public const string TransportName = "smtp";

    /// <summary>The outer header carrying the mail id (32 hex digits), returned in the headers of a DSN.</summary>
    public const string MailIdHeader = "X-Smime-Mail-Id";

    private static readonly TimeSpan IdleCheckAfter = TimeSpan.FromSeconds(10);

    private readonly SmtpOptions _options;
    private readonly SemaphoreSlim _slots;
    private readonly System.Collections.Concurrent.ConcurrentBag<PooledConnection> _idle = [];
    private long _connectionsOpened;

    /// <summary>Creates the transport.</summary>
    public SmtpTransport(IOptions<SmtpOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        ArgumentException.ThrowIfNullOrWhiteSpace(_options.Host, "options.Host");
        _slots = new SemaphoreSlim(Math.Max(1, _options.MaxConnections));
    }

    /// <summary>Connections opened since the transport was created (each reused up to the configured limit).</summary>
    public long ConnectionsOpened => Interlocked.Read(ref _connectionsOpened);

    /// <inheritdoc />
    public string Name => TransportName;

    /// <inheritdoc />
    /// <exception cref="DeliveryException">
    /// Every failure, classified by <see cref="SmtpErrorClassifier"/>; content that is not a readable
    /// message or a mail without recipients is <see cref="DeliveryFailureKind.Permanent"/> and nothing is sent.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<DeliveryReceipt> SendAsync(OutgoingMail mail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mail);
        if (mail.EnvelopeTo.Count == 0)
        {
            throw new DeliveryException(DeliveryFailureKind.Permanent, Name, null, "The mail has no envelope recipient.") { ReasonCode = "no-recipients" };
        }

        MimeMessage message;
        try
        {
            message = Parse(mail.Content);
        }
        catch (FormatException e)
        {
            throw new DeliveryException(DeliveryFailureKind.Permanent, Name, null, "The protected mail is not a readable RFC 5322 message.", e)
            {
                ReasonCode = "content-unreadable",
            };
        }

        // A producer's copy of the header could send our bounces to another mail: only ours goes out.
        message.Headers.RemoveAll(MailIdHeader);
        if (mail.MailId != Guid.Empty)
        {
            message.Headers.Insert(0, new Header(MailIdHeader, mail.MailId.ToString("N")));
        }

        var sender = new MailboxAddress(string.Empty, mail.EnvelopeFrom);
        var recipients = mail.EnvelopeTo.Select(address => new MailboxAddress(string.Empty, address)).ToList();

        await _slots.WaitAsync(cancellationToken);
        PooledConnection? connection = null;
        try
        {
            string serverReply;
            var offered = false;
            try
            {
                connection = await RentAsync(cancellationToken);
                connection.Client.BeginMail(mail.MailId);
                offered = true;
                serverReply = await connection.Client.SendAsync(RawFormat, message, sender, recipients, cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OutOfMemoryException)
            {
                Discard(ref connection);
                var delivery = SmtpErrorClassifier.Classify(e, Name, mailMayHaveReachedServer: offered);
                if (ReferenceEquals(delivery, e))
                {
                    throw;
                }

                throw delivery;
            }
            catch
            {
                Discard(ref connection);
                throw;
            }

            var receipt = new DeliveryReceipt(Name, serverReply, connection.Client.Accepted.ToList(), connection.Client.Rejected.ToList());
            connection.MessagesSent++;
            await ReturnAsync(connection);
            return receipt;
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>Closes the idle pooled connections.</summary>
    public void Dispose()
    {
        while (_idle.TryTake(out var connection))
        {
            connection.Client.Dispose();
        }

        _slots.Dispose();
    }

    private async Task<PooledConnection> RentAsync(CancellationToken cancellationToken)
    {
        while (_idle.TryTake(out var idle))
        {
            if (!idle.Client.IsConnected)
            {
                idle.Client.Dispose();
                continue;
            }

            if (DateTimeOffset.UtcNow - idle.IdleSince < IdleCheckAfter)
            {
                return idle;
            }

            try
            {
                await idle.Client.NoOpAsync(cancellationToken);
                return idle;
            }
            catch (Exception e) when (e is IOException or SmtpProtocolException or SmtpCommandException or ServiceNotConnectedException or TimeoutException)
            {
                // The relay closed the idle session: open a fresh one instead.
                idle.Client.Dispose();
            }
        }

        var client = new RecordingSmtpClient(Name, _options.Notify)
        {
            Timeout = (int)_options.Timeout.TotalMilliseconds,
            // RET=HDRS: a bounce returns the headers (with the mail id), not the encrypted content.
            DeliveryStatusNotificationType = DeliveryStatusNotificationType.HeadersOnly,
        };
        try
        {
            await client.ConnectAsync(_options.Host, _options.Port, ToMailKit(_options.Security), cancellationToken);
            var password = ReadPassword();
            if (!string.IsNullOrEmpty(_options.UserName) && password is not null)
            {
                await client.AuthenticateAsync(new NetworkCredential(_options.UserName, password), cancellationToken);
            }
        }
        catch
        {
            client.Dispose();
            throw;
        }

        Interlocked.Increment(ref _connectionsOpened);
        return new PooledConnection(client);
    }

    private async Task ReturnAsync(PooledConnection connection)
    {
        if (connection.MessagesSent < _options.MaxMessagesPerConnection)
        {
            connection.IdleSince = DateTimeOffset.UtcNow;
            _idle.Add(connection);
            return;
        }

        await QuitAsync(connection.Client, CancellationToken.None);
        connection.Client.Dispose();
    }

    private static void Discard(ref PooledConnection? connection)
    {
        connection?.Client.Dispose();
        connection = null;
    }

    private sealed class PooledConnection(RecordingSmtpClient client)
    {
        public RecordingSmtpClient Client { get; } = client;

        public int MessagesSent { get; set; }

        public DateTimeOffset IdleSince { get; set; } = DateTimeOffset.UtcNow;
    }

    // Keeps the bytes as parsed: CRLF line ends (what we were given), nothing hidden. Parsed
    // MimeKit entities write their original raw headers and encoded content back unchanged.
    // Caveat: MailKit re-encodes 8-bit parts when the server lacks 8BITMIME; protected mail is
    // 7-bit (base64), so that does not happen to it.
    private static readonly FormatOptions RawFormat = CreateRawFormat();

    private static FormatOptions CreateRawFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        format.EnsureNewLine = false;
        return format;
    }

    private static MimeMessage Parse(ReadOnlyMemory<byte> content)
    {
        var bytes = MemoryMarshal.TryGetArray(content, out var segment) ? segment : new ArraySegment<byte>(content.ToArray());
        using var stream = new MemoryStream(bytes.Array!, bytes.Offset, bytes.Count, writable: false);
        return MimeMessage.Load(stream);
    }

    private string? ReadPassword()
    {
        if (!string.IsNullOrEmpty(_options.PasswordFile))
        {
            return File.ReadAllText(_options.PasswordFile).TrimEnd('\r', '\n');
        }

        return _options.Password;
    }

    // The server has accepted the mail once DATA succeeded: a failing QUIT must not turn a
    // delivered mail into a failure (it would be sent twice on retry). The connection is
    // closed by Dispose either way.
    private static async Task QuitAsync(SmtpClient client, CancellationToken cancellationToken)
    {
        try
        {
            await client.DisconnectAsync(quit: true, cancellationToken);
        }
        catch (Exception e) when (e is IOException or SmtpProtocolException or SmtpCommandException or TimeoutException)
        {
            // Delivery succeeded; only the polite goodbye failed.
        }
    }

    private static SecureSocketOptions ToMailKit(SmtpSecurity security) => security switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.StartTlsWhenAvailable => SecureSocketOptions.StartTlsWhenAvailable,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => throw new ArgumentOutOfRangeException(nameof(security), security, "Unknown SMTP security mode."),
    };

    /// <summary>
    /// MailKit's default aborts the whole send on the first refused RCPT. Recording instead lets
    /// the mail go to the recipients that were accepted, and report the others.
    /// </summary>
    private sealed class RecordingSmtpClient(string provider, DeliveryStatusNotification? notify) : SmtpClient
    {
        private string? _envelopeId;

        public List<string> Accepted { get; } = [];

        public List<RecipientRejection> Rejected { get; } = [];

        // A pooled connection carries many mails: each starts with empty results.
        public void BeginMail(Guid mailId)
        {
            _envelopeId = mailId == Guid.Empty ? null : mailId.ToString("N");
            Accepted.Clear();
            Rejected.Clear();
        }

        // MailKit sends these only when the server announced DSN in its EHLO reply.
        protected override string? GetEnvelopeId(MimeMessage message) => _envelopeId;

        protected override DeliveryStatusNotification? GetDeliveryStatusNotifications(MimeMessage message, MailboxAddress mailbox) => notify;

        protected override void OnRecipientAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
            => Accepted.Add(mailbox.Address);

        protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response)
        {
            var code = (int)response.StatusCode;
            Rejected.Add(new RecipientRejection(
                mailbox.Address, SmtpErrorClassifier.ClassifyReplyCode(code), SmtpErrorClassifier.FormatReply(code, response.Response)));
        }

        // No recipient left: nothing was sent. If any refusal was temporary, retrying may work.
        protected override void OnNoRecipientsAccepted(MimeMessage message)
        {
            var kind = Rejected.Any(r => r.Kind == DeliveryFailureKind.Configuration) ? DeliveryFailureKind.Configuration
                : Rejected.Any(r => r.Kind == DeliveryFailureKind.Transient) ? DeliveryFailureKind.Transient
                : DeliveryFailureKind.Permanent;
            throw new DeliveryException(
                kind, provider, string.Join("; ", Rejected.Select(r => $"{r.Recipient}: {r.ProviderResponse}")),
                $"The SMTP server accepted none of the {Rejected.Count} recipient(s).");
        }
    }
}
