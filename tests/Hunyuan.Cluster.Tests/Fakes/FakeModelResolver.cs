using Hunyuan.Cluster.Services;

namespace Hunyuan.Cluster.Tests.Fakes;

/// <summary>Model arguments taken as paths under /models, "tiny" as a built-in; nothing is written.</summary>
public sealed class FakeModelResolver : IModelResolver
{
    public ResolvedModel Resolve(string argument, IProgress<ClusterEvent> progress) =>
        argument == "tiny" ? new ResolvedModel("/home/op/.hyc/models/tiny", "tiny") : new ResolvedModel("/models/" + argument, null);
}
