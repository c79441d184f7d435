using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SmimePipeline.Delivery.Pickup;
using SmimePipeline.Delivery.Smtp;

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
        services.AddSingleton<IMailTransport>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<DeliveryOptions>>().Value;
            return DeliveryOptionsValidator.IsProvider(options, SmtpTransport.TransportName)
                ? new SmtpTransport(Options.Create(options.Smtp))
                : new PickupDirectoryTransport(Options.Create(options.Pickup));
        });
        return services;
    }
}
