namespace Hunyuan.Cli.Tests.TestSupport;

/// <summary>
/// The tests that start whole clusters (namespace labs, real Docker engines, local clusters whose agents are killed and
/// must heal): they run one at a time, after the others. Their waits are bounds sized for one cluster on the machine;
/// two of them at once on two cores (xUnit runs classes in parallel) once pushed a heal past its 60 s bound in CI.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OneClusterAtATime
{
    public const string Name = "whole clusters, one at a time";
}
