using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Failures;
using SmimePipeline.Worker.Telemetry;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// The first delivery attempt of a freshly protected mail, made by the signer in its own process when that process runs
/// the sender role too (<see cref="SignerOptions.DeliverInProcess"/>, issue 17, session 12): the <c>DeliverEmail</c> hop
/// through <c>smime-deliver</c> (a confirmed send of ≈ 75 KB to a quorum queue, a delivery, an ack) is skipped when it
/// can be. The attempt is the sender's own: the same validation as <see cref="DeliverEmailConsumer"/>, one of the
/// sender's delivery places (<see cref="DeliverySlots"/>), and the <see cref="DeliveryHandler"/> with its ledger, circuit
/// breaker, transport, events, telemetry, retry ladder and dead-letter queue. It is made only when all of this holds at
/// that moment; otherwise the caller sends <c>DeliverEmail</c> as it always did:
/// <list type="bullet">
/// <item>the mail is inline (not yet checked in). A mail above <c>ClaimCheck:ThresholdBytes</c> (large mail) takes a place
/// large mails may hold (<c>Sender:LargeMailPlaces</c>), and at most <see cref="MaxLargeInside"/> of them are in their attempt
/// or waiting for its place at once; beyond that a large mail goes to the queue by claim check. Delivered here, its
/// 2.9 MB are not written to a claim file, fsync'd, read back and deleted (session 14); a copy it leaves on the retry ladder
/// or in the dead-letter queue is checked in then (<see cref="RabbitMqRetryLadder"/>), as on the queue path;</item>
/// <item>the ESP's circuit breaker is closed;</item>
/// <item>a delivery place: with <see cref="InProcessDeliveryMode.FreePlace"/> one free now (with no small mail from the
/// queue waiting for one), and fewer than <see cref="MaxInside"/> of the signer's mails in their attempt; with
/// <see cref="InProcessDeliveryMode.WaitForPlace"/> the next one in turn with the queue's mails. At most
/// <see cref="MaxInside"/> of the signer's mails wait for a place or deliver at once (each holds its protect command's
/// place in the signer's window, <c>Signer:InFlight</c>); with <see cref="InProcessDeliveryMode.WaitForPlace"/> a mail that
/// finds them all inside waits for one to leave instead of going to <c>smime-deliver</c> (session 14: flat out the sender's
/// places are the bottleneck, so a mail sent to the queue only waited there for the same places, after a confirmed send of
/// its protected bytes into a quorum queue and before a second receive; waiting here keeps its command unacknowledged in
/// <c>smime-protect</c>, which is back-pressure on the signer's window, before more CPU is spent). It waits also while a
/// large mail from the queue waits: the places large mails may hold are theirs in turn
/// (<see cref="Concurrency.SizeOrderedSlots"/>), so waiting attempts cannot hold one back (session 13; session 12 sent
/// small mails to the queue then, where they waited behind the large ones);</item>
/// <item>the mail passes <see cref="DeliverEmailValidator"/> and <see cref="ProtectedMailGuard"/> (a refusal is the
/// consumer's to report, with its reason, from the queue).</item>
/// </list>
/// A failure of the attempt ends where a first attempt from the queue ends: the handler routes ESP failures onto the ladder
/// or into <c>smime-deliver-dead</c> (confirmed by the broker before this returns), with the same reason codes, events,
/// log lines and metrics. Anything the handler throws instead (the ledger unreachable, the broker refusing an event)
/// hands the mail to <c>smime-deliver</c>: the ledger keeps that copy from being sent twice. The one exception: a mail the
/// handler put into <c>smime-deliver-dead</c> whose <c>EmailDeliveryFailed</c> could not be published stays there (log
/// line 2119), as the filter of <c>smime-deliver</c> leaves it there (1018): one dead-letter entry per failure.
/// </summary>
public sealed class InProcessDelivery(
    DeliveryHandler handler,
    DeliverySlots places,
    EspCircuitBreaker breaker,
    IOptions<SmimePipelineOptions> options,
    SmimeTelemetry telemetry,
    ILogger<InProcessDelivery> logger) : IDisposable
{
    // The signer's mails in their in-process attempt or waiting for its place: at most MaxInside; and the large ones among
    // them (at most MaxLargeInside: each holds its 2.9 MB protected mail meanwhile).
    private readonly AttemptPlaces _inside = new(MaxInside(options.Value));
    private int _largeInside;

    /// <summary>
    /// The <c>outcome</c> values of <c>smime.delivery.in_process</c>: the attempt made here, or why the mail went to
    /// <c>smime-deliver</c> (started at 0 when the worker starts).
    /// </summary>
    public static IReadOnlyList<string> Outcomes { get; } = [SmimeTelemetry.InProcessAttempted, Large, BreakerOpen, NoPlace, Refused, Failed];

    private const string Large = "large";
    private const string BreakerOpen = "breaker-open";
    private const string NoPlace = "no-place";
    private const string Refused = "refused";
    private const string Failed = "failed";

    /// <summary>Makes the first delivery attempt of <paramref name="mail"/> in this process when it can.</summary>
    /// <param name="context">The consume context of the protect command (or of its claim); acknowledged after this returns.</param>
    /// <param name="mail">The mail as the signer would send it to <c>smime-deliver</c>, content inline.</param>
    /// <returns>
    /// True when the attempt was made and the mail is accounted for: accepted by the ESP (now or before, as the ledger
    /// records it), or on the retry ladder or in the dead-letter queue with the broker's confirm. False when the mail must
    /// go to <c>smime-deliver</c>: the attempt could not be made, or it threw.
    /// </returns>
    /// <exception cref="OperationCanceledException">The consume was cancelled (a broker blink, the host stopping): the protect command comes back.</exception>
    public async Task<bool> TryDeliverAsync(ConsumeContext context, DeliverEmail mail)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(mail);
        var settings = options.Value;
        if (mail.ContentAddress is not null)
        {
            return Declined(Large);
        }

        if (breaker.IsOpen)
        {
            return Declined(BreakerOpen);
        }

        if ((DeliverEmailValidator.Validate(mail, settings.MaxMessageBytes) ?? ProtectedMailGuard.Check(mail.Content, mail.Protection)) is not null)
        {
            return Declined(Refused);
        }

        var large = mail.Content.Length > settings.ClaimCheck.ThresholdBytes;
        if (large && Interlocked.Increment(ref _largeInside) > MaxLargeInside(settings))
        {
            Interlocked.Decrement(ref _largeInside);
            return Declined(Large);
        }

        try
        {
            var waitsForPlace = settings.Signer.DeliverInProcess == InProcessDeliveryMode.WaitForPlace;
            using var inside = waitsForPlace ? await _inside.EnterAsync(context.CancellationToken) : _inside.TryEnter(large: false);
            if (inside is null)
            {
                return Declined(NoPlace);
            }

            // A large mail from smime-deliver that waits gets the next place it may hold before these small ones, so they wait
            // even then: sent to the queue instead, they would wait there behind it (session 13). A large mail here waits for a
            // place large mails may hold, in turn with the queue's large mails (session 14).
            using var place = waitsForPlace
                ? await places.EnterAsync(large, context.CancellationToken)
                : places.TryEnter(large);
            if (place is null)
            {
                return Declined(NoPlace);
            }

            // The breaker may have opened while this mail waited: the queue's copy then waits with the others.
            return breaker.IsOpen ? Declined(BreakerOpen) : await AttemptAsync(context, mail, settings.Signer.DeliverEmailFormat);
        }
        finally
        {
            if (large)
            {
                Interlocked.Decrement(ref _largeInside);
            }
        }
    }

    /// <summary>
    /// How many large mails (above <c>ClaimCheck:ThresholdBytes</c>) may be in their in-process attempt or waiting for its
    /// place at once: two per place large mails may hold (<c>Sender:LargeMailPlaces</c>), one delivering and one waiting
    /// for it, so that the protected mails held in memory stay a few; beyond it large mail goes to <c>smime-deliver</c> by
    /// claim check, as before session 14.
    /// </summary>
    public static int MaxLargeInside(SmimePipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return 2 * options.Sender.EffectiveLargeMailPlaces;
    }

    /// <summary>
    /// How many of the signer's mails may be in their in-process attempt or waiting for its place at once: the signer's
    /// window (<c>Signer:InFlight</c>) less one mail per protect slot, so that protection has mails to work on while the
    /// others wait for the sender. Beyond it a mail waits for one of them to leave (<see cref="InProcessDeliveryMode.WaitForPlace"/>)
    /// or goes to <c>smime-deliver</c> (<see cref="InProcessDeliveryMode.FreePlace"/>).
    /// </summary>
    public static int MaxInside(SmimePipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Math.Max(1, options.Signer.EffectiveInFlight - options.Signer.EffectiveConcurrency);
    }

    private async Task<bool> AttemptAsync(ConsumeContext context, DeliverEmail mail, DeliverEmailFormat format)
    {
        telemetry.RecordInProcessDelivery(SmimeTelemetry.InProcessAttempted);
        var report = new FailureReport();
        try
        {
            // Accepted, or routed to the ladder or the dead-letter queue: either way the handler has finished with the mail.
            await handler.DeliverAsync(new InProcessDeliverContext(context, mail, format, report), mail.Content);
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException && !context.CancellationToken.IsCancellationRequested)
        {
            if (report.DeadLetterEvent is { } failed)
            {
                // In smime-deliver-dead (confirmed) and reported; only the event's publish failed: the mail ends there.
                SenderLog.InProcessDeadLetterEventNotPublished(logger, mail.MailId, failed.ReasonCode, e.GetType().Name);
                return true;
            }

            // What MassTransit's retries would have seen on the queue (the handler throws it for them): the queue's copy gets
            // them. The ledger has recorded whatever the ESP answered (as for the queue's own retry), so that copy is not
            // sent again once accepted.
            SenderLog.InProcessAttemptHandedToQueue(logger, mail.MailId, e.GetType().Name);
            telemetry.RecordInProcessDelivery(Failed);
            return false;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _inside.Dispose();

    // The cap's places: as the sender's own (a waiter fails when the host stops and disposes them, a place held is given
    // back after that as before); every attempt is a small item, so the order is first come, first served.
    private sealed class AttemptPlaces(int count) : Concurrency.SizeOrderedSlots(count, count);

    private bool Declined(string why)
    {
        telemetry.RecordInProcessDelivery(why);
        return false;
    }
}
