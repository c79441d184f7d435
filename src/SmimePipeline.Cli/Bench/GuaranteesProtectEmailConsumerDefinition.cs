using Microsoft.Extensions.Options;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Signing;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// The endpoint settings of <see cref="GuaranteesProtectEmailConsumer"/>: the signer's own (<see cref="SignerConsumerDefinition{TConsumer}"/>:
/// <c>smime-protect</c>, <c>Signer:InFlight</c> mails at once and the prefetch MassTransit derives from it, the signer's retries).
/// </summary>
internal sealed class GuaranteesProtectEmailConsumerDefinition(IOptions<SmimePipelineOptions> options)
    : SignerConsumerDefinition<GuaranteesProtectEmailConsumer>(options);
