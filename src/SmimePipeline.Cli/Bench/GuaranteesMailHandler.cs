using System.Diagnostics;
using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using SmimePipeline.Delivery;
using SmimePipeline.Delivery.Ledger;
using SmimePipeline.Delivery.Pickup;
using SmimePipeline.Messaging.ProducerClaims;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// The consumer side of <c>smime bench guarantees</c>, one received mail at a time: "protect" (copy the pre-made protected
/// mail), publish <c>EmailProtected</c>, claim the hand-over in the ledger, write the pickup file, record the acceptance,
/// publish <c>EmailDelivered</c> (<see cref="HandOverAsync"/>) — each step only when its guarantee is on
/// (<see cref="GuaranteeSwitches"/>). The same steps whatever carries the mail: RabbitMQ.Client's delivery here
/// (<see cref="HandleAsync"/>: the command's bytes out of the client's buffer, the ack; a step that throws nacks the mail back
/// into the queue and ends the run with that exception), or the product's MassTransit consumer
/// (<see cref="GuaranteesProtectEmailConsumer"/>), which publishes the events its own way. A large mail (<c>--large-every</c>,
/// issue 17, session 20) gets the pre-made protected large mail instead, and when its command came by producer claim
/// (<see cref="GuaranteesProducerClaims"/>) the claim is read before and released after its hand-over, as the signer does.
/// </summary>
/// <param name="protectedMail">The pre-made protected mail of the run's size: what "protecting" a mail copies.</param>
/// <param name="pickup">The product's pickup transport the files are written with.</param>
/// <param name="ledger">The delivery ledger; null with the ledger off.</param>
/// <param name="switches">The guarantees kept.</param>
/// <param name="largeProtectedMail">The pre-made protected large mail (<c>--large-every</c>); null without large mails.</param>
/// <param name="claims">The producer claim check of large mails (<c>--postgres</c>); null: large commands came inline.</param>
internal sealed class GuaranteesMailHandler(
    byte[] protectedMail, PickupDirectoryTransport pickup, IDeliveryLedger? ledger, GuaranteeSwitches switches, byte[]? largeProtectedMail = null, GuaranteesProducerClaims? claims = null)
{
    /// <summary>A hand-over claim older than this may be taken over (the product's is the ESP's timeout plus a margin).</summary>
    private static readonly TimeSpan StaleClaim = TimeSpan.FromMinutes(5);

    private static readonly BasicProperties EventProperties = new() { Persistent = true, ContentType = "application/vnd.masstransit+json" };
    private readonly byte[][] _events = [.. GuaranteesBenchRunner.EventBodyBytes.Select(n => new byte[n])];
    private readonly string[] _eventExchanges = [.. RabbitMqClientGuarantees.EventExchanges];
    private long _eventsConfirmed;

    /// <summary>The channel the events are published on (tracked confirms); set before the first mail.</summary>
    public IChannel? Events { get; set; }

    /// <summary>The batch whose mails are being handled.</summary>
    public GuaranteesPhase? Current { get; set; }

    /// <summary>Events the broker confirmed so far.</summary>
    public long EventsConfirmed => Interlocked.Read(ref _eventsConfirmed);

    /// <summary>The ledger the hand-overs are claimed and accepted in; null with the ledger off.</summary>
    public IDeliveryLedger? Ledger => ledger;

    /// <summary>The pickup directory the files are written into.</summary>
    public PickupDirectoryTransport Pickup => pickup;

    /// <summary>Handles one delivery of the work queue on <paramref name="channel"/> and acks it once its hand-over is done.</summary>
    public async Task HandleAsync(IChannel channel, BasicDeliverEventArgs delivery)
    {
        var phase = Current;
        try
        {
            // The command leaves the client's buffer, as a deserialiser's copy would; nothing reads it further.
            byte[] command = delivery.Body.ToArray();
            var id = Guid.ParseExact(delivery.BasicProperties.MessageId ?? "", "N");
            using var span = GuaranteesBenchRunner.Source.StartActivity("guarantees consume", ActivityKind.Consumer, ParentOf(delivery.BasicProperties));
            // A reference: the large mail's command is read from the producer claim store, as the signer reads it.
            ProtectClaimId? claim = delivery.BasicProperties.ContentType == GuaranteesProducerClaims.ReferenceContentType
                ? await (claims ?? throw new InvalidOperationException("A claim reference came, but this run has no producer claim store.")).CheckOutAsync(command, CancellationToken.None)
                : null;
            GC.KeepAlive(command);
            await HandOverAsync(id, (which, _) => PublishRawEventAsync(which), large: claim is not null || phase?.IsLargeMail(id) == true);
            if (claim is { } handedOn)
            {
                await claims!.ReleaseAsync(handedOn, CancellationToken.None);
            }

            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None);
            phase?.Handled(id);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not lost: back into the queue; the run ends with the reason (a guarantees run has no failure path to measure).
            await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true, CancellationToken.None);
            phase?.Fail(e);
        }
    }

    /// <summary>
    /// The guarantees' own work on mail <paramref name="id"/>, whatever carries it: the "protection", the two events through
    /// <paramref name="publish"/> (awaited until the broker confirmed each; given the pickup file's name for
    /// <see cref="GuaranteesEvent.Delivered"/>), the ledger's claim and acceptance, the pickup file.
    /// </summary>
    /// <exception cref="InvalidOperationException">The ledger refused the hand-over: a second delivery of one mail; or a large
    /// mail came to a run without one.</exception>
    public async Task HandOverAsync(Guid id, Func<GuaranteesEvent, string?, Task> publish, bool large = false)
    {
        // "Protection" without cryptography: a copy of a real protected mail of this size (the crypto floor is not here).
        byte[] protectedCopy = (large ? largeProtectedMail ?? throw new InvalidOperationException($"Mail {id} is large, but this run has no large protected mail.") : protectedMail).AsSpan().ToArray();
        await PublishEventAsync(publish, GuaranteesEvent.Protected, null);
        var now = DateTimeOffset.UtcNow;
        if (ledger is not null)
        {
            var claim = await ledger.ClaimHandOverAsync(id, GuaranteesBenchRunner.Provider, now, now - StaleClaim, CancellationToken.None);
            if (!claim.Claimed)
            {
                throw new InvalidOperationException($"Mail {id}: the ledger refused its hand-over ({claim.Previous?.State}): a second delivery of one mail.");
            }
        }

        string file = await WriteAsync(id, protectedCopy);
        if (ledger is not null)
        {
            await ledger.RecordAcceptedAsync(id, GuaranteesBenchRunner.Provider, file, DateTimeOffset.UtcNow, CancellationToken.None);
        }

        await PublishEventAsync(publish, GuaranteesEvent.Delivered, file);
    }

    private static ActivityContext ParentOf(IReadOnlyBasicProperties properties) =>
        properties.Headers?.TryGetValue(GuaranteesBenchRunner.TraceHeader, out var value) == true && value is byte[] raw
        && ActivityContext.TryParse(Encoding.ASCII.GetString(raw), null, out var parent) ? parent : default;

    /// <summary>Writes the pickup file: durably through the product's transport, or (fsync off) written and renamed only; the file's name.</summary>
    private async Task<string> WriteAsync(Guid id, byte[] content)
    {
        string path = pickup.PathFor(id);
        if (switches.Fsync)
        {
            var receipt = await pickup.SendAsync(new OutgoingMail(id, BenchCertificateStore.SenderAddress, [BenchCertificateStore.RecipientAddress], content), CancellationToken.None);
            return receipt.ProviderMessageId ?? path;
        }

        string temp = path + ".tmp";
        await File.WriteAllBytesAsync(temp, content);
        File.Move(temp, path, overwrite: true);
        return Path.GetFileName(path);
    }

    private async Task PublishEventAsync(Func<GuaranteesEvent, string?, Task> publish, GuaranteesEvent which, string? file)
    {
        if (!switches.Events)
        {
            return;
        }

        await publish(which, file);
        Interlocked.Increment(ref _eventsConfirmed);
    }

    private async Task PublishRawEventAsync(GuaranteesEvent which)
    {
        var events = Events ?? throw new InvalidOperationException("The events' channel is not set.");
        // Awaited: with tracked confirms the task ends when the broker confirmed the event (as MassTransit's publish).
        await events.BasicPublishAsync(_eventExchanges[(int)which], string.Empty, mandatory: false, EventProperties, _events[(int)which], CancellationToken.None);
    }
}
