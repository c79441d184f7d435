using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SmimePipeline.Delivery.Pickup;
using SmimePipeline.Delivery.Smtp;
using SmimePipeline.Delivery.SparkPost;

namespace SmimePipeline.Delivery;

/// <summary>Registers the mail transport selected by configuration.</summary>
public static class DeliveryServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="DeliveryOptions"/> from <paramref name="configSectionPath"/>, validates them
    /// when the host starts (<see cref="DeliveryOptionsValidator"/>), and registers the selected
    /// <see cref="IMailTransport"/> as a singleton.
    /// </summary>
    public static IServiceCollection AddMailTransport(this IServiceCollection services, string configSectionPath = "SmimePipeline:Delivery")
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(configSectionPath);
        services.AddOptions<DeliveryOptions>().BindConfiguration(configSectionPath).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DeliveryOptions>>(new DeliveryOptionsValidator(configSectionPath));
        services.AddHttpClient(SparkPostTransport.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
            {
                // SparkPost recommends at most 10 concurrent connections per account.
                MaxConnectionsPerServer = provider.GetRequiredService<IOptions<DeliveryOptions>>().Value.SparkPost.MaxConnections,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan); // the transport's own per-call timeout applies
        services.AddSingleton<IMailTransport>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<DeliveryOptions>>().Value;
            if (DeliveryOptionsValidator.IsProvider(options, SparkPostTransport.TransportName))
            {
                return new SparkPostTransport(provider.GetRequiredService<IHttpClientFactory>(), Options.Create(options.SparkPost));
            }

            return DeliveryOptionsValidator.IsProvider(options, SmtpTransport.TransportName)
                ? new SmtpTransport(Options.Create(options.Smtp))
                : new PickupDirectoryTransport(Options.Create(options.Pickup));
        });
        return services;
    }
}
