namespace Hunyuan.Cluster.Services;

/// <summary>A model argument made concrete: the directory to load here, and the built-in name when it is one (every node then makes its own copy).</summary>
public sealed record ResolvedModel(string Path, string? BuiltIn);

/// <summary>Turns a model argument (a directory, or a built-in name such as tiny) into a <see cref="ResolvedModel"/>.</summary>
public interface IModelResolver
{
    ResolvedModel Resolve(string argument, IProgress<ClusterEvent> progress);
}
