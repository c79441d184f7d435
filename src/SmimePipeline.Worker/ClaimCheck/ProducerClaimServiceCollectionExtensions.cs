using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SmimePipeline.Messaging.ProducerClaims;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.ClaimCheck;

/// <summary>Registers the signers' side of the producer claim check.</summary>
public static class ProducerClaimServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ProducerClaimOptions"/> (validated at start) and <see cref="ProducerClaimReader"/>, and the
    /// <see cref="IProtectClaimStore"/>: <see cref="PostgresProtectClaimStore"/> when
    /// <c>SmimePipeline:ProducerClaims:PostgresConnectionString</c> is set (its table created at start, the
    /// <see cref="ProducerClaimSweeper"/> and <see cref="ProducerClaimVacuum"/> running), else an <see cref="InMemoryProtectClaimStore"/> with the in-memory
    /// transport (producer and signer in one process), else none (claims are refused, naming the setting).
    /// </summary>
    public static IServiceCollection AddProducerClaims(this IServiceCollection services, IConfiguration configuration, TransportKind transport)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ProducerClaimOptions>().BindConfiguration(ProducerClaimOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ProducerClaimOptions>, ProducerClaimOptionsValidator>());
        services.TryAddSingleton<ProducerClaimStoreRetry>();
        services.TryAddSingleton<ProducerClaimReader>();

        var options = configuration.GetSection(ProducerClaimOptions.SectionName).Get<ProducerClaimOptions>() ?? new ProducerClaimOptions();
        if (!string.IsNullOrWhiteSpace(options.PostgresConnectionString))
        {
            services.TryAddSingleton<IProtectClaimStore>(sp =>
            {
                var resolved = sp.GetRequiredService<IOptions<ProducerClaimOptions>>().Value;
                return new PostgresProtectClaimStore(resolved.ResolvePostgresConnectionString(), resolved.MaxConnections);
            });
        }
        else if (transport == TransportKind.InMemory)
        {
            services.TryAddSingleton<IProtectClaimStore, InMemoryProtectClaimStore>();
        }
        else
        {
            return services;
        }

        // Before MassTransit's hosted service: the table exists before the first claim is read.
        services.AddHostedService<ProducerClaimSchema>();
        services.AddHostedService<ProducerClaimSweeper>();
        services.AddHostedService<ProducerClaimVacuum>();
        return services;
    }
}
