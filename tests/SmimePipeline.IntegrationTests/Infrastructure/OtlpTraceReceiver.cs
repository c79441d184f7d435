using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>One span as an OTLP exporter sent it, with the service that sent it.</summary>
public sealed record ReceivedSpan(string Service, string TraceId, string SpanId, string ParentSpanId, string Name);

/// <summary>
/// An OTLP/HTTP trace receiver in the test process (<c>POST /v1/traces</c>, protobuf), standing in for the collector
/// or Jaeger: it keeps every span with its <c>service.name</c>. The protobuf is read by hand from the wire format
/// (varints and length-delimited fields of <c>opentelemetry/proto/collector/trace/v1</c>): neither the
/// <c>OpenTelemetry.Proto</c> package nor generated <c>Google.Protobuf</c> types are served here, and the few fields
/// a trace check needs (resource attributes, span ids, parent, name) are five levels of the same two wire types.
/// </summary>
public sealed class OtlpTraceReceiver : IAsyncDisposable
{
    private readonly WebApplication _server;
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();

    private OtlpTraceReceiver(WebApplication server) => _server = server;

    /// <summary>The base URL for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (the exporter appends <c>/v1/traces</c>).</summary>
    public Uri Endpoint { get; private set; } = null!;

    public IReadOnlyList<ReceivedSpan> Spans => [.. _spans];

    public static async Task<OtlpTraceReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseSetting(Microsoft.AspNetCore.Hosting.WebHostDefaults.ServerUrlsKey, "http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var server = builder.Build();
        var receiver = new OtlpTraceReceiver(server);
        server.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            foreach (var span in Parse(body.ToArray()))
            {
                receiver._spans.Enqueue(span);
            }

            // An empty ExportTraceServiceResponse: everything accepted.
            return Results.Bytes([], "application/x-protobuf");
        });
        await server.StartAsync();
        var address = server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Endpoint = new Uri(address);
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    /// <summary>ExportTraceServiceRequest: 1 = ResourceSpans.</summary>
    private static List<ReceivedSpan> Parse(byte[] request)
    {
        var spans = new List<ReceivedSpan>();
        foreach (var resourceSpans in Fields(request).Where(f => f.Number == 1))
        {
            // ResourceSpans: 1 = Resource (1 = KeyValue attributes), 2 = ScopeSpans (2 = Span).
            string service = "";
            foreach (var resource in Fields(resourceSpans.Bytes).Where(f => f.Number == 1))
            {
                foreach (var attribute in Fields(resource.Bytes).Where(f => f.Number == 1))
                {
                    var (key, value) = KeyValue(attribute.Bytes);
                    if (key == "service.name")
                    {
                        service = value;
                    }
                }
            }

            foreach (var scopeSpans in Fields(resourceSpans.Bytes).Where(f => f.Number == 2))
            {
                foreach (var span in Fields(scopeSpans.Bytes).Where(f => f.Number == 2))
                {
                    // Span: 1 = trace_id, 2 = span_id, 4 = parent_span_id, 5 = name.
                    var fields = Fields(span.Bytes).ToList();
                    spans.Add(new ReceivedSpan(
                        service,
                        Hex(fields, 1),
                        Hex(fields, 2),
                        Hex(fields, 4),
                        Encoding.UTF8.GetString(fields.FirstOrDefault(f => f.Number == 5).Bytes.Span)));
                }
            }
        }

        return spans;
    }

    /// <summary>KeyValue: 1 = key, 2 = AnyValue (1 = string_value).</summary>
    private static (string Key, string Value) KeyValue(ReadOnlyMemory<byte> bytes)
    {
        string key = "", value = "";
        foreach (var field in Fields(bytes))
        {
            if (field.Number == 1)
            {
                key = Encoding.UTF8.GetString(field.Bytes.Span);
            }
            else if (field.Number == 2)
            {
                var text = Fields(field.Bytes).FirstOrDefault(f => f.Number == 1 && f.WireType == 2);
                value = Encoding.UTF8.GetString(text.Bytes.Span);
            }
        }

        return (key, value);
    }

    private static string Hex(List<Field> fields, int number) =>
        Convert.ToHexString(fields.FirstOrDefault(f => f.Number == number).Bytes.Span).ToLowerInvariant();

    /// <summary>The top-level fields of one protobuf message: wire types 0 (varint), 1 (64-bit), 2 (bytes), 5 (32-bit).</summary>
    private static IEnumerable<Field> Fields(ReadOnlyMemory<byte> message)
    {
        int at = 0;
        while (at < message.Length)
        {
            ulong tag = Varint(message.Span, ref at);
            int number = (int)(tag >> 3);
            int wireType = (int)(tag & 7);
            switch (wireType)
            {
                case 0:
                    Varint(message.Span, ref at);
                    yield return new Field(number, wireType, ReadOnlyMemory<byte>.Empty);
                    break;
                case 1:
                    at += 8;
                    break;
                case 2:
                    int length = checked((int)Varint(message.Span, ref at));
                    yield return new Field(number, wireType, message.Slice(at, length));
                    at += length;
                    break;
                case 5:
                    at += 4;
                    break;
                default:
                    throw new InvalidDataException($"Protobuf wire type {wireType} (field {number}) is not expected in OTLP.");
            }
        }
    }

    private static ulong Varint(ReadOnlySpan<byte> data, ref int at)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = data[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new InvalidDataException("A protobuf varint is longer than 10 bytes.");
    }

    private readonly record struct Field(int Number, int WireType, ReadOnlyMemory<byte> Bytes);
}
