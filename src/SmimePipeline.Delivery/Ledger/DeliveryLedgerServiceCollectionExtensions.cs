using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace SmimePipeline.Delivery.Ledger;

/// <summary>Registers the delivery ledger selected by configuration.</summary>
public static class DeliveryLedgerServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="DeliveryLedgerOptions"/> from <paramref name="configSectionPath"/>, validates
    /// them at start, and registers the selected <see cref="IDeliveryLedger"/> as a singleton.
    /// </summary>
    public static IServiceCollection AddDeliveryLedger(this IServiceCollection services, string configSectionPath = "SmimePipeline:Delivery:Ledger")
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(configSectionPath);
        services.AddOptions<DeliveryLedgerOptions>().BindConfiguration(configSectionPath).ValidateOnStart();
        // Idempotent: the sender and the webhooks roles of one process both ask for the ledger.
        if (services.Any(d => d.ServiceType == typeof(IDeliveryLedger)))
        {
            return services;
        }

        services.AddSingleton<IValidateOptions<DeliveryLedgerOptions>>(new DeliveryLedgerOptionsValidator(configSectionPath));
        services.AddSingleton<IDeliveryLedger>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<DeliveryLedgerOptions>>().Value;
            return string.Equals(options.Provider, DeliveryLedgerOptions.Postgres, StringComparison.OrdinalIgnoreCase)
                ? new PostgresDeliveryLedger(options.ResolvePostgresConnectionString(), options.EffectiveMaxConnections)
                : new SqliteDeliveryLedger(options.SqlitePath);
        });
        return services;
    }
}
