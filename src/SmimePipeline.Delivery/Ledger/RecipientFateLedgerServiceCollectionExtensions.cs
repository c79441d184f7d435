using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace SmimePipeline.Delivery.Ledger;

/// <summary>Registers the per-recipient story of the delivery ledger, in the database the ledger is configured with.</summary>
public static class RecipientFateLedgerServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="DeliveryLedgerOptions"/> from <paramref name="configSectionPath"/> (validated at start) and
    /// registers the <see cref="IRecipientFateLedger"/> of the selected provider as a singleton.
    /// </summary>
    public static IServiceCollection AddRecipientFateLedger(this IServiceCollection services, string configSectionPath = "SmimePipeline:Delivery:Ledger")
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(configSectionPath);
        services.AddOptions<DeliveryLedgerOptions>().BindConfiguration(configSectionPath).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DeliveryLedgerOptions>>(new DeliveryLedgerOptionsValidator(configSectionPath)));
        services.TryAddSingleton<IRecipientFateLedger>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<DeliveryLedgerOptions>>().Value;
            return string.Equals(options.Provider, DeliveryLedgerOptions.Postgres, StringComparison.OrdinalIgnoreCase)
                ? new PostgresRecipientFateLedger(options.ResolvePostgresConnectionString(), options.FateMaxConnections)
                : new SqliteRecipientFateLedger(options.SqlitePath);
        });
        return services;
    }
}
