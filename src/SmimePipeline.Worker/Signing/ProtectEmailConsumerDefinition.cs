using Microsoft.Extensions.Options;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Signing;

/// <summary>Endpoint settings of <see cref="ProtectEmailConsumer"/>.</summary>
public sealed class ProtectEmailConsumerDefinition(IOptions<SmimePipelineOptions> options)
    : SignerConsumerDefinition<ProtectEmailConsumer>(options);
