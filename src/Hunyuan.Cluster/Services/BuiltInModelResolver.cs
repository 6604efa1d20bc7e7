using Hunyuan.Cluster.State;
using Hunyuan.Model.Checkpoints;

namespace Hunyuan.Cluster.Services;

/// <summary>
/// A directory is taken as it is; a built-in name ("tiny", "mini") is made once under ~/.hyc/models/NAME here and
/// carried by name, so every node makes the same seeded copy under its own home.
/// </summary>
public sealed class BuiltInModelResolver : IModelResolver
{
    public ResolvedModel Resolve(string argument, IProgress<ClusterEvent> progress)
    {
        var path = BuiltInModels.Resolve(argument, HycHome.Path, m => progress.Report(new ClusterEvent(m)));
        return new ResolvedModel(Path.GetFullPath(path), BuiltInModels.IsBuiltIn(argument) ? argument : null);
    }
}
