using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Testing;
using SmimePipeline.Worker.Hosting;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>One instrument of the product's meter and the name the worker's Prometheus exporter gives it.</summary>
/// <param name="Name">The instrument's name in the code (<c>smime.dead_letters</c>).</param>
/// <param name="Kind">counter, histogram or gauge, as Prometheus calls it.</param>
/// <param name="Unit">The instrument's unit (<c>s</c>, <c>{mail}</c>), or null.</param>
/// <param name="PrometheusName">The family's name in the scrape (<c>smime_dead_letters_total</c>; a histogram's series add
/// <c>_bucket</c>, <c>_sum</c>, <c>_count</c>).</param>
/// <param name="InScrape">Whether the real exporter showed it (an observable gauge with nothing to report is not shown:
/// its name is then the naming rules' alone, rules that the scrape proved on every other instrument).</param>
public sealed record ProductInstrument(string Name, string Kind, string? Unit, string PrometheusName, bool InScrape)
{
    /// <summary>The series names a query may use for this instrument.</summary>
    public IReadOnlyList<string> SeriesNames => Kind == "histogram"
        ? [PrometheusName + "_bucket", PrometheusName + "_sum", PrometheusName + "_count"]
        : [PrometheusName];
}

/// <summary>
/// Every instrument the product creates on its meter (<see cref="SmimeTelemetry.Name"/>), found — not listed by hand — by
/// a <see cref="MeterListener"/> on the worker's own registration: the worker's <c>Program.cs</c> wiring (every role, the
/// in-memory transport, the pickup ESP) started in this process, and every singleton of ours in its container resolved, so
/// that instruments created by classes the host only builds on first use (webhook handlers, the claim store's retry, the
/// circuit breaker) exist too. Each instrument is then given a value of 0 and the worker's real Prometheus exporter is
/// scraped at <c>/metrics</c>: the names are the exporter's own.
/// </summary>
public static partial class ProductInstruments
{
    private static readonly Lazy<Task<IReadOnlyList<ProductInstrument>>> Found = new(FindAsync);

    /// <summary>The product's instruments (found once per test run).</summary>
    public static Task<IReadOnlyList<ProductInstrument>> AllAsync() => Found.Value;

    /// <summary>
    /// The Prometheus name of an instrument by the OpenTelemetry exporter's rules (OpenTelemetry specification,
    /// "Prometheus and OpenMetrics compatibility"): characters other than letters, digits and <c>:</c> become one
    /// <c>_</c>; the unit without its <c>{annotations}</c>, spelled out (<c>s</c> → <c>seconds</c>), is appended unless
    /// the name holds it already; a counter gets <c>_total</c>; a gauge of unit <c>1</c> gets <c>_ratio</c>.
    /// </summary>
    public static string PrometheusNameOf(string name, string? unit, string kind)
    {
        ArgumentNullException.ThrowIfNull(name);
        var prometheus = NotNameCharacters().Replace(name, "_");
        var spelled = unit is null ? "" : SpellOut(Annotation().Replace(unit, ""));
        if (spelled.Length > 0 && !prometheus.Contains(spelled, StringComparison.Ordinal))
        {
            prometheus += "_" + spelled;
        }

        if (kind == "counter" && !prometheus.EndsWith("_total", StringComparison.Ordinal))
        {
            prometheus += "_total";
        }

        if (kind == "gauge" && unit == "1" && !prometheus.Contains("ratio", StringComparison.Ordinal))
        {
            prometheus += "_ratio";
        }

        return prometheus;
    }

    private static string SpellOut(string unit) => unit switch
    {
        "s" => "seconds",
        "ms" => "milliseconds",
        "us" => "microseconds",
        "ns" => "nanoseconds",
        "min" => "minutes",
        "h" => "hours",
        "d" => "days",
        "By" => "bytes",
        "KiBy" => "kibibytes",
        "MiBy" => "mebibytes",
        "1" => "",
        "%" => "percent",
        _ => unit,
    };

    /// <summary>
    /// A worker with every role (signer, sender, webhooks with all three endpoints served), on the in-memory transport, the
    /// pickup ESP and a SQLite ledger, everything in <paramref name="directory"/>: the worker whose registration creates every
    /// instrument of the product.
    /// </summary>
    /// <param name="directory">Where the outbox, the ledger and the claims go.</param>
    /// <param name="storePath">A signer certificate store (<c>DemoPki.EnsureCreated</c>).</param>
    /// <param name="secretFile">A file holding a webhook secret of at least 16 characters, used for every endpoint.</param>
    public static Dictionary<string, string?> EveryRoleSettings(string directory, string storePath, string secretFile) => new()
    {
        ["SmimePipeline:Roles"] = "Signer,Sender,Webhooks",
        ["SmimePipeline:Transport"] = "InMemory",
        ["SmimePipeline:Signer:StorePath"] = storePath,
        ["SmimePipeline:Delivery:Provider"] = "pickup",
        ["SmimePipeline:Delivery:Pickup:Directory"] = Path.Combine(directory, "outbox"),
        ["SmimePipeline:Delivery:Ledger:SqlitePath"] = Path.Combine(directory, "delivery-ledger.db"),
        ["SmimePipeline:ClaimCheck:Directory"] = Path.Combine(directory, "claims"),
        ["SmimePipeline:Webhooks:RelayTokenFile"] = secretFile,
        ["SmimePipeline:Webhooks:RawTokenFile"] = secretFile,
        ["SmimePipeline:Webhooks:EventsUserName"] = "sparkpost",
        ["SmimePipeline:Webhooks:EventsPasswordFile"] = secretFile,
        ["SmimePipeline:Telemetry:Prometheus"] = "true",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    private static async Task<IReadOnlyList<ProductInstrument>> FindAsync()
    {
        using var temp = new TempDirectory();
        var pki = DemoPki.EnsureCreated(Path.Combine(temp.Path, "pki"));
        // One secret for every webhook endpoint, so that every handler can be built.
        var secret = Path.Combine(temp.Path, "webhook-secret");
        await File.WriteAllTextAsync(secret, "webhook-secret-0123456789abcdef");

        // Program.cs, with every role and everything in the temporary directory.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(EveryRoleSettings(temp.Path, pki.StorePath, secret));
        builder.Services.AddSmimePipelineWorker(builder.Configuration);
        builder.AddSmimePipelineTelemetry();
        var ours = builder.Services
            .Where(d => d.Lifetime == ServiceLifetime.Singleton && !d.ServiceType.IsGenericTypeDefinition && IsOurs(d))
            .ToList();
        await using var app = builder.Build();
        app.MapSmimePipelineEndpoints();
        using (var start = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await app.StartAsync(start.Token);
        }

        try
        {
            // Classes the host builds on first use create their instruments then: build every one of ours now.
            foreach (var descriptor in ours)
            {
                _ = descriptor.IsKeyedService
                    ? app.Services.GetKeyedServices(descriptor.ServiceType, descriptor.ServiceKey).ToList()
                    : app.Services.GetServices(descriptor.ServiceType).ToList();
            }

            var meters = app.Services.GetRequiredService<IMeterFactory>();
            var instruments = new List<Instrument>();
            using (var listener = new MeterListener())
            {
                // Start() tells of every instrument created before it; the scope keeps out other tests' hosts in this process.
                listener.InstrumentPublished = (instrument, _) =>
                {
                    if (instrument.Meter.Name == SmimeTelemetry.Name && ReferenceEquals(instrument.Meter.Scope, meters))
                    {
                        instruments.Add(instrument);
                    }
                };
                listener.Start();
            }

            foreach (var instrument in instruments)
            {
                GiveAValue(instrument);
            }

            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            var families = MetricsScrape.Families(await MetricsScrape.TextAsync(new Uri(address + "/")));

            return [.. instruments
                .Select(i =>
                {
                    var kind = KindOf(i);
                    var name = PrometheusNameOf(i.Name, i.Unit, kind);
                    var inScrape = families.TryGetValue(name, out var type);
                    if (inScrape && type != kind)
                    {
                        throw new InvalidOperationException($"{i.Name}: the exporter calls {name} a {type}, the instrument is a {kind}.");
                    }

                    return new ProductInstrument(i.Name, kind, i.Unit, name, inScrape);
                })
                .DistinctBy(i => i.Name)
                .OrderBy(i => i.Name, StringComparer.Ordinal)];
        }
        finally
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await app.StopAsync(stop.Token);
        }
    }

    private static bool IsOurs(ServiceDescriptor descriptor)
    {
        var implementation = descriptor.IsKeyedService ? descriptor.KeyedImplementationType : descriptor.ImplementationType;
        return IsOurs(descriptor.ServiceType) || (implementation is not null && IsOurs(implementation));
    }

    private static bool IsOurs(Type type) => type.Assembly.GetName().Name?.StartsWith("SmimePipeline.", StringComparison.Ordinal) == true;

    private static string KindOf(Instrument instrument)
    {
        var type = instrument.GetType();
        var definition = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        return definition == typeof(Counter<>) || definition == typeof(ObservableCounter<>) ? "counter"
            : definition == typeof(Histogram<>) ? "histogram"
            : "gauge"; // gauges, and up-down counters, which Prometheus shows as gauges
    }

    // A value of 0, so that the exporter shows the instrument; observable instruments are read at the scrape.
    private static void GiveAValue(Instrument instrument)
    {
        switch (instrument)
        {
            case Counter<long> counter:
                counter.Add(0);
                break;
            case Counter<int> counter:
                counter.Add(0);
                break;
            case Counter<double> counter:
                counter.Add(0);
                break;
            case Histogram<double> histogram:
                histogram.Record(0);
                break;
            case Histogram<long> histogram:
                histogram.Record(0);
                break;
            case UpDownCounter<long> upDown:
                upDown.Add(0);
                break;
            case Gauge<long> gauge:
                gauge.Record(0);
                break;
            case Gauge<double> gauge:
                gauge.Record(0);
                break;
            case { IsObservable: true }:
                break;
            default:
                throw new InvalidOperationException($"{instrument.Name} is a {instrument.GetType()}: teach ProductInstruments.GiveAValue to record 0 on it.");
        }
    }

    [GeneratedRegex("[^A-Za-z0-9:]+")]
    private static partial Regex NotNameCharacters();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Annotation();
}
