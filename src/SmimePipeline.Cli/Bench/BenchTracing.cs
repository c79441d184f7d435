using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// How a bench makes MassTransit's spans (<c>--masstransit-spans</c>, session 20) and whether it counts every span
/// (<c>--count-spans</c>, <see cref="SpanCensus"/>). The default is the product's: <c>SmimePipeline:Telemetry:MassTransitSpans</c>
/// from the environment (<c>SmimePipeline__Telemetry__MassTransitSpans</c>), else its default, so that <c>scripts/bench.sh</c>
/// measures what the product ships.
/// </summary>
/// <param name="MassTransitSpans">Recorded or propagated as the product's setting does, or null: none at all (no listener
/// for <c>MassTransit</c>, so no trace context travels: a measurement of the spans' cost, not a product setting).</param>
/// <param name="CountSpans">Count the measured run's spans by source, name and whether they were recorded.</param>
internal sealed record BenchTracing(MassTransitSpans? MassTransitSpans, bool CountSpans)
{
    /// <summary>The option's value for no MassTransit spans at all.</summary>
    public const string NoneName = "none";

    /// <summary>The product's setting, as <c>bench.sh</c> runs it.</summary>
    public static BenchTracing ProductDefault => new(FromEnvironment(), CountSpans: false);

    /// <summary>The option's values.</summary>
    public static string[] Names => ["recorded", "propagated", NoneName];

    /// <summary><c>SmimePipeline:Telemetry:MassTransitSpans</c> as the product reads it from the environment.</summary>
    public static MassTransitSpans FromEnvironment() =>
        new ConfigurationBuilder().AddEnvironmentVariables().Build()
            .GetSection($"{SmimePipelineOptions.SectionName}:Telemetry").Get<TelemetryOptions>()?.MassTransitSpans
        ?? new TelemetryOptions().MassTransitSpans;

    /// <summary>The option's value for <paramref name="spans"/>.</summary>
    public static string Name(MassTransitSpans? spans) => spans switch
    {
        null => NoneName,
        Worker.Configuration.MassTransitSpans.Propagated => "propagated",
        _ => "recorded",
    };

    /// <summary>The setting an option value names (one of <see cref="Names"/>).</summary>
    public static MassTransitSpans? Parse(string name) => name switch
    {
        NoneName => null,
        "propagated" => Worker.Configuration.MassTransitSpans.Propagated,
        "recorded" => Worker.Configuration.MassTransitSpans.Recorded,
        _ => throw new Commands.CliException($"--masstransit-spans must be one of {string.Join(", ", Names)} (was {name})."),
    };
}
