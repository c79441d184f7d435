using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Cli.Telemetry;
using SmimePipeline.Client;
using SmimePipeline.Contracts;

namespace SmimePipeline.Cli.Commands;

/// <summary>
/// One <c>smime publish</c> run: the connection is opened at the first message that passes the checks (so an
/// unreadable or oversized file alone never touches the broker), then up to <c>inFlight</c> sends await their
/// publisher confirms at once, in <c>--format</c> (binary by default). Thread-safe counters; output lines are whole lines.
/// </summary>
internal sealed class PublishRun(Uri broker, SecurityPolicy policy, int maxBytes, int inFlight, ProtectCommandFormat format) : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _window = new(inFlight, inFlight);
    private IBusControl? _bus;
    private SmimeMailPublisher? _publisher;
    private int _published;
    private int _failed;

    public int Published => Volatile.Read(ref _published);

    public int Failed => Volatile.Read(ref _failed);

    /// <summary>Reports an input that cannot be published; the run goes on.</summary>
    public void Fail(string name, string reason)
    {
        Interlocked.Increment(ref _failed);
        Console.Error.WriteLine($"smime: {name}: {reason}");
    }

    /// <summary>Checks and reads <paramref name="input"/>, then starts its send (returns once a send slot is free).</summary>
    /// <exception cref="CliException">The broker cannot be reached.</exception>
    public async Task PublishAsync(PublishInput input, CancellationToken cancellationToken)
    {
        var content = await ReadAsync(input, cancellationToken);
        if (content is null)
        {
            return;
        }

        var publisher = _publisher ?? await ConnectAsync(cancellationToken);
        await _window.WaitAsync(cancellationToken);
        _ = SendAsync(publisher, input.Name, content, cancellationToken);
    }

    /// <summary>Waits until every send started has been confirmed or has failed.</summary>
    public async Task CompleteAsync()
    {
        for (int i = 0; i < inFlight; i++)
        {
            await _window.WaitAsync();
        }

        _window.Release(inFlight);
    }

    public async ValueTask DisposeAsync()
    {
        if (_bus is not null)
        {
            await _bus.StopAsync(CancellationToken.None);
        }

        _window.Dispose();
    }

    private async Task<byte[]?> ReadAsync(PublishInput input, CancellationToken cancellationToken)
    {
        try
        {
            if (input.Path is { } path && new FileInfo(path).Length > maxBytes)
            {
                Fail(input.Name, $"{new FileInfo(path).Length} bytes, above the limit of {maxBytes} bytes (--max-bytes); not published.");
                return null;
            }

            var content = input.Content ?? await File.ReadAllBytesAsync(input.Path!, cancellationToken);
            if (content.Length == 0)
            {
                Fail(input.Name, "empty; not published.");
                return null;
            }

            if (content.Length > maxBytes)
            {
                Fail(input.Name, $"{content.Length} bytes, above the limit of {maxBytes} bytes (--max-bytes); not published.");
                return null;
            }

            return content;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Fail(input.Name, $"cannot be read: {ex.Message}");
            return null;
        }
    }

    private async Task<SmimeMailPublisher> ConnectAsync(CancellationToken cancellationToken)
    {
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(broker));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            await bus.StartAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or MassTransitException && !cancellationToken.IsCancellationRequested)
        {
            throw new CliException($"cannot connect to the broker at {broker.Host}:{broker.Port} within {ConnectTimeout.TotalSeconds:0} s: {ex.Message}", ex);
        }

        _bus = bus;
        _publisher = new SmimeMailPublisher(bus, Options.Create(new SmimePipelineClientOptions { MessageFormat = format }));
        return _publisher;
    }

    private async Task SendAsync(SmimeMailPublisher publisher, string name, byte[] content, CancellationToken cancellationToken)
    {
        // Each mail is its own trace, rooted here: the CLI's publish span, then MassTransit's send, the signer, the sender.
        Activity.Current = null;
        using var activity = CliTelemetry.Source.StartActivity("smime publish", ActivityKind.Producer);
        try
        {
            var mailId = NewId.NextGuid();
            activity?.SetTag("smime.mail_id", mailId.ToString("D"));

            // Awaits RabbitMQ's publisher confirm: a printed id is a mail the broker has taken responsibility for.
            await publisher.ProtectMimeAsync(content, policy, mailId, cancellationToken);
            Interlocked.Increment(ref _published);
            Console.Out.WriteLine($"{mailId:D}\t{name}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            Fail(name, $"not published: {ex.Message}");
        }
        finally
        {
            _window.Release();
        }
    }
}
