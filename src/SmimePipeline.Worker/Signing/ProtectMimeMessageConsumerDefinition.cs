using Microsoft.Extensions.Options;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Signing;

/// <summary>Endpoint settings of <see cref="ProtectMimeMessageConsumer"/>.</summary>
public sealed class ProtectMimeMessageConsumerDefinition(IOptions<SmimePipelineOptions> options)
    : SignerConsumerDefinition<ProtectMimeMessageConsumer>(options);
