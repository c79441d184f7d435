using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Telemetry;

/// <summary>
/// Reads the depth of the pipeline's queues (<c>smime-*</c>) from RabbitMQ's management API every
/// 5 seconds and reports it as the <c>smime.queue.messages</c> gauge, so dashboards and autoscalers
/// see the backlog next to the throughput. Runs only when <c>SmimePipeline:RabbitMq:ManagementUri</c> is set.
/// </summary>
public sealed partial class QueueDepthMonitor : BackgroundService
{
    /// <summary>The <c>service</c> tag of this loop's failures (<c>smime.background.failures</c>).</summary>
    public const string ServiceName = "queue-depth";

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly SmimeTelemetry _telemetry;
    private readonly RabbitMqOptions _options;
    private readonly ILogger<QueueDepthMonitor> _logger;

    public QueueDepthMonitor(IHttpClientFactory httpClientFactory, SmimeTelemetry telemetry, IOptions<SmimePipelineOptions> options, ILogger<QueueDepthMonitor> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _httpClientFactory = httpClientFactory;
        _telemetry = telemetry;
        _options = options.Value.RabbitMq;
        _logger = logger;
    }

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.ManagementUri is null || _options.Uri is null)
        {
            return Task.CompletedTask;
        }

        _telemetry.ObserveBackgroundService(ServiceName);
        // A metric must never take the worker down; say why the gauge is stale and try again. Session 19's audit found two
        // exceptions that stopped the host before every one was survived: RabbitMq:PasswordFile unreadable after start (a
        // rotated or unmounted secret: IOException) and an answer of another shape than a list of queues
        // (InvalidOperationException, KeyNotFoundException).
        return Hosting.BackgroundRounds.RunAsync(
            ServiceName, Interval, TimeProvider.System, roundAtStart: true, PollAsync,
            ex => LogPollFailed(_logger, _options.ManagementUri, ex.GetType().Name, ex.Message), _telemetry, stoppingToken);
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        var amqp = _options.Uri!;
        var vhost = amqp.AbsolutePath.Trim('/');
        vhost = vhost.Length == 0 ? "/" : Uri.UnescapeDataString(vhost);
        var userInfo = Uri.UnescapeDataString(amqp.UserInfo);
        var user = userInfo.Split(':', 2)[0];
        var password = _options.PasswordFile is { Length: > 0 } file
            ? (await File.ReadAllTextAsync(file, cancellationToken)).Trim()
            : (userInfo.Contains(':', StringComparison.Ordinal) ? userInfo.Split(':', 2)[1] : "");

        using var http = _httpClientFactory.CreateClient(nameof(QueueDepthMonitor));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_options.ManagementUri!, $"api/queues/{Uri.EscapeDataString(vhost)}?columns=name,messages"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
        var depths = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var queue in document.RootElement.EnumerateArray())
        {
            var name = queue.GetProperty("name").GetString();
            if (name is not null && name.StartsWith("smime-", StringComparison.Ordinal) && queue.TryGetProperty("messages", out var messages))
            {
                depths[name] = messages.GetInt64();
            }
        }

        _telemetry.SetQueueDepths(depths);
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Could not read queue depths from {ManagementUri}: {ExceptionType}: {Reason}")]
    private static partial void LogPollFailed(ILogger logger, Uri managementUri, string exceptionType, string reason);
}
