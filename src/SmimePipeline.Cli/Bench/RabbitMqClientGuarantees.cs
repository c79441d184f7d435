using System.Diagnostics;
using RabbitMQ.Client;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// <c>smime bench guarantees</c>' mails carried by RabbitMQ.Client directly (<see cref="GuaranteesVia.Raw"/>, session 15): a
/// producer publishing the command's bytes (persistent, tracked confirms, a sliding window) into a durable queue behind a
/// fanout exchange of the same name (MassTransit's layout), a consumer with manual acks and the signer's prefetch, the
/// events on a confirmed channel of the consumer's connection (as MassTransit publishes from a consume context), one trace
/// per mail: a publish span whose context travels in a <c>traceparent</c> header and the consume span under it.
/// </summary>
internal sealed class RabbitMqClientGuarantees : IGuaranteesCarrier
{
    private const string QueuePrefix = "smime-guarantees-";

    private readonly List<IAsyncDisposable> _owned = [];
    private ActivityListener? _traces;
    private IConnection? _producerConnection;
    private IChannel? _consumerChannel;
    private IChannel? _producerChannel;
    private string _queue = "";
    private string _tag = "";
    private byte[] _command = [];
    private byte[]? _largeCommand;
    private GuaranteesProducerClaims? _claims;
    private int _largeBodyBytes;
    private int _inFlight;

    private RabbitMqClientGuarantees(GuaranteesMailHandler handler, int prefetch, int concurrency)
    {
        Handler = handler;
        Prefetch = prefetch;
        Concurrency = concurrency;
    }

    /// <summary>The event exchanges (fanout, durable, nothing bound: the broker routes each event nowhere and confirms it).</summary>
    public static IReadOnlyList<string> EventExchanges { get; } = [QueuePrefix + "email-protected", QueuePrefix + "email-delivered"];

    /// <summary>The work queue of a run (quorum or classic).</summary>
    public static string QueueName(bool quorum) => QueuePrefix + (quorum ? "quorum" : "classic");

    /// <inheritdoc />
    public GuaranteesMailHandler Handler { get; }

    /// <inheritdoc />
    public int? Prefetch { get; }

    /// <inheritdoc />
    public int Concurrency { get; }

    /// <summary>The body the work queue carried for the last large mail: its command inline, or the reference to its claim; 0 before any.</summary>
    public int LargeBodyBytes => Volatile.Read(ref _largeBodyBytes);

    /// <summary>
    /// Declares the work queue afresh and starts consuming it into <paramref name="handler"/>; <paramref name="inFlight"/>
    /// publishes are kept in flight. A large mail's body is <paramref name="largeCommand"/> inline, or with
    /// <paramref name="claims"/> a reference to its claim in PostgreSQL (the product's producer claim check).
    /// </summary>
    public static async Task<RabbitMqClientGuarantees> StartAsync(
        Uri rabbitMq, byte[] command, GuaranteesMailHandler handler, int inFlight, int prefetch, int concurrency, bool quorum, CancellationToken cancellationToken,
        byte[]? largeCommand = null, GuaranteesProducerClaims? claims = null)
    {
        var carrier = new RabbitMqClientGuarantees(handler, prefetch, Math.Min(concurrency, prefetch))
        {
            _command = command, _largeCommand = largeCommand, _claims = claims, _queue = QueueName(quorum), _inFlight = inFlight,
        };
        try
        {
            carrier._traces = new ActivityListener
            {
                ShouldListenTo = source => source.Name == GuaranteesBenchRunner.SourceName,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            };
            ActivitySource.AddActivityListener(carrier._traces);

            var factory = new ConnectionFactory { Uri = rabbitMq, ClientProvidedName = "smime bench guarantees" };
            carrier._producerConnection = carrier.Own(await factory.CreateConnectionAsync(cancellationToken));
            var consumerConnection = carrier.Own(await factory.CreateConnectionAsync(cancellationToken));
            await DeclareAsync(carrier._producerConnection, carrier._queue, quorum, cancellationToken);

            // Events go out on the consumer's connection, on a channel of their own with tracked confirms (as MassTransit
            // publishes from a consume context); the producer's channel likewise.
            handler.Events = carrier.Own(await consumerConnection.CreateChannelAsync(ConfirmedChannel(), cancellationToken));
            var consumerChannel = carrier.Own(await consumerConnection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: false, publisherConfirmationTrackingEnabled: false, consumerDispatchConcurrency: checked((ushort)carrier.Concurrency)),
                cancellationToken));
            carrier._consumerChannel = consumerChannel;
            await consumerChannel.BasicQosAsync(0, checked((ushort)prefetch), global: false, cancellationToken);
            var consumer = new RabbitMQ.Client.Events.AsyncEventingBasicConsumer(consumerChannel);
            consumer.ReceivedAsync += (_, delivery) => handler.HandleAsync(consumerChannel, delivery);
            carrier._tag = await consumerChannel.BasicConsumeAsync(carrier._queue, autoAck: false, consumer, cancellationToken);
            carrier._producerChannel = carrier.Own(await carrier._producerConnection.CreateChannelAsync(ConfirmedChannel(), cancellationToken));
            return carrier;
        }
        catch
        {
            await carrier.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    public Task PublishAsync(GuaranteesPhase phase, double rate, CancellationToken cancellationToken) =>
        phase.PublishAsync(_inFlight, (id, large) => PublishOneAsync(phase, id, large, cancellationToken), cancellationToken, rate);

    /// <inheritdoc />
    public async Task<long> StopAsync(CancellationToken cancellationToken)
    {
        await _consumerChannel!.BasicCancelAsync(_tag, cancellationToken: cancellationToken);
        await using var check = await _producerConnection!.CreateChannelAsync(cancellationToken: cancellationToken);
        var declared = await check.QueueDeclarePassiveAsync(_queue, cancellationToken);
        return declared.MessageCount;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // In reverse: channels before their connections.
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        _owned.Clear();
        _traces?.Dispose();
    }

    private T Own<T>(T resource)
        where T : IAsyncDisposable
    {
        _owned.Add(resource);
        return resource;
    }

    private static CreateChannelOptions ConfirmedChannel() => new(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true);

    /// <summary>The work queue afresh (quorum or classic), its fanout exchange, and the event exchanges.</summary>
    private static async Task DeclareAsync(IConnection connection, string queue, bool quorum, CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await channel.QueueDeleteAsync(queue, cancellationToken: cancellationToken);
        var arguments = new Dictionary<string, object?> { ["x-queue-type"] = quorum ? "quorum" : "classic" };
        await channel.ExchangeDeclareAsync(queue, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken);
        await channel.QueueBindAsync(queue, queue, string.Empty, cancellationToken: cancellationToken);
        foreach (var exchange in EventExchanges)
        {
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        }
    }

    /// <summary>
    /// One persistent publish into the work queue's exchange inside its publish span; completes once confirmed. A large
    /// mail's command goes inline, or by claim: stored in PostgreSQL first (committed), then its reference published.
    /// </summary>
    private async Task PublishOneAsync(GuaranteesPhase phase, Guid id, bool large, CancellationToken cancellationToken)
    {
        using var span = GuaranteesBenchRunner.Source.StartActivity("guarantees publish", ActivityKind.Producer);
        phase.SampleTraceId ??= span?.TraceId.ToHexString();
        byte[] body = _command;
        string contentType = "application/vnd.smimepipeline.protect-email; v=1";
        if (large)
        {
            (body, contentType) = _claims is { } claims
                ? (await claims.CheckInAsync(id, cancellationToken), GuaranteesProducerClaims.ReferenceContentType)
                : (_largeCommand ?? throw new InvalidOperationException("A large mail, but this run has no large command."), contentType);
            Volatile.Write(ref _largeBodyBytes, body.Length);
        }

        var properties = new BasicProperties
        {
            Persistent = true,
            ContentType = contentType,
            MessageId = id.ToString("N"),
            Headers = span is null ? null : new Dictionary<string, object?> { [GuaranteesBenchRunner.TraceHeader] = span.Id },
        };
        await _producerChannel!.BasicPublishAsync(_queue, string.Empty, mandatory: false, properties, body, cancellationToken);
    }
}
