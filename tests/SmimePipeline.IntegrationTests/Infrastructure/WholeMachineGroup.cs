namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>
/// Tests that keep every core of the machine busy for a minute or more by design (the README tour builds the CLI in a
/// fresh clone). xUnit runs this collection after the parallel ones and alone: on the 2-core CI machine such a build
/// beside another class leaves that class's worker, broker and fakes a fraction of a core, the condition a timing
/// budget elsewhere is not written for. (Session 18, a run at load 60-99: the build outlasted its 20 minutes while
/// the other classes ran beside it.)
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WholeMachineGroup
{
    public const string Name = "whole machine";
}
