using MassTransit;
using MassTransit.MessageData;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.ClaimCheck;

/// <summary>Registers the claim check between the roles.</summary>
public static class ClaimCheckServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="DeliveryContentStore"/> over a file-system message-data repository in
    /// <c>SmimePipeline:ClaimCheck:Directory</c> (RabbitMQ), or an in-memory one (in-memory transport,
    /// where both roles share the process).
    /// </summary>
    public static IServiceCollection AddDeliveryClaimCheck(this IServiceCollection services, TransportKind transport)
    {
        services.TryAddSingleton<IMessageDataRepository>(sp =>
        {
            if (transport == TransportKind.InMemory)
            {
                return new InMemoryMessageDataRepository();
            }

            var directory = sp.GetRequiredService<IOptions<SmimePipelineOptions>>().Value.ClaimCheck.Directory;
            directory = string.IsNullOrWhiteSpace(directory) ? Path.Combine(Path.GetTempPath(), "smimepipeline-claims") : directory;
            return new FileSystemMessageDataRepository(System.IO.Directory.CreateDirectory(directory));
        });
        services.TryAddSingleton<DeliveryContentStore>();
        return services;
    }
}
