using Microsoft.Extensions.Options;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Signing;

/// <summary>Endpoint settings of <see cref="ProtectCommandClaimConsumer"/>: <c>smime-protect</c>, as the inline commands.</summary>
public sealed class ProtectCommandClaimConsumerDefinition(IOptions<SmimePipelineOptions> options)
    : SignerConsumerDefinition<ProtectCommandClaimConsumer>(options);
