namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>
/// Tests that close every broker connection or stop the broker. xUnit runs this collection after all the
/// others and alone, so no other test sees the broker disappear.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrokerChaosGroup
{
    public const string Name = "broker chaos";
}
