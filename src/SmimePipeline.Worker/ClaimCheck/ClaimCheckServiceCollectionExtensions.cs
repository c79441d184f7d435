using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.ClaimCheck;

/// <summary>Registers the claim check between the roles.</summary>
public static class ClaimCheckServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="DeliveryContentStore"/> over a <see cref="FileClaimStore"/> in
    /// <c>SmimePipeline:ClaimCheck:Directory</c> (RabbitMQ), or an <see cref="InMemoryClaimStore"/> (in-memory
    /// transport, where both roles share the process), and the <see cref="ClaimSweeper"/>.
    /// </summary>
    public static IServiceCollection AddDeliveryClaimCheck(this IServiceCollection services, TransportKind transport)
    {
        services.TryAddSingleton<IClaimStore>(sp =>
        {
            if (transport == TransportKind.InMemory)
            {
                return new InMemoryClaimStore(sp.GetRequiredService<TimeProvider>());
            }

            var directory = sp.GetRequiredService<IOptions<SmimePipelineOptions>>().Value.ClaimCheck.Directory;
            return new FileClaimStore(string.IsNullOrWhiteSpace(directory) ? DefaultDirectory : directory);
        });
        services.TryAddSingleton<DeliveryContentStore>();
        services.AddHostedService<ClaimSweeper>();
        return services;
    }

    /// <summary>The directory used when none is configured: only for one machine running both roles.</summary>
    public static string DefaultDirectory => Path.Combine(Path.GetTempPath(), "smimepipeline-claims");
}
