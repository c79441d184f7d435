using MassTransit;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using SmimePipeline.Client;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography;
using SmimePipeline.Delivery;
using SmimePipeline.Delivery.Ledger;
using SmimePipeline.Delivery.Pickup;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// <c>smime bench guarantees --via masstransit</c> (issue 17, session 19): the guarantees carried by the product's own
/// MassTransit 8.5 bus, with no MIME and no cryptography. The host is <c>bench pipeline</c>'s (<see cref="PipelineBenchRunner.BuildHost"/>:
/// the worker's registration <c>AddSmimePipelineWorker</c> — serializer and binary command formats, quorum queues, publisher
/// confirms, the send/publish topology, the endpoint filters — and the client library) with the sender role, whose
/// registration brings the product's pickup transport and delivery ledger; the signer's consumer on <c>smime-protect</c> is
/// replaced by <see cref="GuaranteesProtectEmailConsumer"/> under the signer's own definition (concurrent message limit
/// <c>Signer:InFlight</c>, the prefetch MassTransit derives from it, the signer's retries). The producer publishes the
/// standard mail's <see cref="ProtectEmail"/> through <see cref="ISmimeMailPublisher"/> in a sliding window, each inside a
/// root span of <see cref="StageRecorder"/> as <c>bench pipeline</c> does: one trace per mail, MassTransit's spans under it.
/// </summary>
internal sealed class MassTransitGuarantees : IGuaranteesCarrier
{
    private readonly IHost _host;
    private readonly StageRecorder _recorder;
    private readonly Uri _rabbitMq;
    private readonly ProtectEmail _template;
    private readonly int _inFlight;
    private bool _stopped;

    private MassTransitGuarantees(IHost host, StageRecorder recorder, Uri rabbitMq, ProtectEmail template, int inFlight)
    {
        _host = host;
        _recorder = recorder;
        _rabbitMq = rabbitMq;
        _template = template;
        _inFlight = inFlight;
        Handler = host.Services.GetRequiredService<GuaranteesMailHandler>();
        Concurrency = host.Services.GetRequiredService<IOptions<SmimePipelineOptions>>().Value.Signer.EffectiveInFlight;
    }

    /// <inheritdoc />
    public GuaranteesMailHandler Handler { get; }

    /// <inheritdoc />
    public int? Prefetch => null;

    /// <inheritdoc />
    public int Concurrency { get; }

    /// <summary>Builds and starts the host in <paramref name="root"/> (pickup files in its <c>outbox</c>, the ledger in its <c>ledger</c>).</summary>
    /// <exception cref="Commands.CliException">A queue the host would consume has a consumer or a message (<see cref="BenchQueueGuard"/>).</exception>
    public static async Task<MassTransitGuarantees> StartAsync(
        Uri rabbitMq, string root, ProtectEmail template, ProtectedMail sample, GuaranteeSwitches switches, int inFlight, TextWriter progress, MassTransitSpans? massTransitSpans, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(switches);
        if (!switches.Quorum)
        {
            // The product's smime-protect is a quorum queue; making it classic would mean deleting the product's queue.
            throw new Commands.CliException("--classic-queue is for --via raw only: --via masstransit uses the product's own quorum queue smime-protect.");
        }

        var recorder = new StageRecorder(massTransitSpans);
        var host = PipelineBenchRunner.BuildHost(
            rabbitMq,
            PipelineBenchRunner.ClientOptions(largeMailLane: false, ProtectCommandFormat.Binary, claimStore: null, claimThreshold: 0),
            "Sender",
            root,
            pki: null,
            Path.Combine(root, "outbox"),
            customize: builder =>
            {
                builder.Services.AddSingleton(sample);
                builder.Services.AddSingleton(services => new GuaranteesMailHandler(
                    sample.Content,
                    services.GetRequiredService<IMailTransport>() as PickupDirectoryTransport
                        ?? throw new InvalidOperationException("The bench host's transport is not the pickup directory."),
                    switches.Ledger ? services.GetRequiredService<IDeliveryLedger>() : null,
                    switches));
            },
            configureBus: bus => bus.AddConsumer<GuaranteesProtectEmailConsumer, GuaranteesProtectEmailConsumerDefinition>());
        try
        {
            // Before the bench's consumers start: not on a broker where real mail flows (BenchQueueGuard). The sender role's
            // smime-deliver and its rungs, and the signer's smime-protect that GuaranteesProtectEmailConsumer takes over.
            await BenchQueueGuard.EnsureUnusedAsync(host.Services, "smime bench guarantees --via masstransit", BenchQueueGuard.QueuesOf(host.Services, [QueueNames.Protect]), progress, cancellationToken);
            await host.StartAsync(cancellationToken);
            return new MassTransitGuarantees(host, recorder, rabbitMq, template, inFlight);
        }
        catch
        {
            host.Dispose();
            recorder.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public async Task PublishAsync(GuaranteesPhase phase, double rate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(phase);
        using var scope = _host.Services.CreateScope();
        var publisher = scope.ServiceProvider.GetRequiredService<ISmimeMailPublisher>();
        await phase.PublishAsync(_inFlight, async (id, _) =>
        {
            using var span = _recorder.Publish(id);
            phase.SampleTraceId ??= span?.TraceId.ToHexString();
            await publisher.ProtectAsync(_template with { MailId = id }, cancellationToken);
        }, cancellationToken, rate);
    }

    /// <inheritdoc />
    public async Task<long> StopAsync(CancellationToken cancellationToken)
    {
        // The bus stops consuming (and gives back what it held unacknowledged); then the broker's own count.
        await _host.StopAsync(CancellationToken.None);
        _stopped = true;
        var factory = new ConnectionFactory { Uri = _rabbitMq, ClientProvidedName = "smime bench guarantees (queue check)" };
        await using var connection = await factory.CreateConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var declared = await channel.QueueDeclarePassiveAsync(QueueNames.Protect, cancellationToken);
        return declared.MessageCount;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
        {
            await _host.StopAsync(CancellationToken.None);
        }

        _host.Dispose();
        _recorder.Dispose();
    }
}
