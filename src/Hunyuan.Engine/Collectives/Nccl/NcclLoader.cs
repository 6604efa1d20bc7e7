namespace Hunyuan.Engine.Collectives.Nccl;

/// <summary>
/// Finds libnccl.so.2 once, on first need: a CPU node never touches it. HYC_NCCL_LIBRARY names a file to try first
/// (a pip nvidia-nccl-cu12 tree: .../site-packages/nvidia/nccl/lib/libnccl.so.2); then dlopen's own search.
/// </summary>
public sealed class NcclLoader
{
    private readonly Func<IEnumerable<string>> _candidates;
    private readonly Lazy<NcclLibrary?> _library;

    public NcclLoader(Func<IEnumerable<string>> candidates)
    {
        _candidates = candidates;
        _library = new Lazy<NcclLibrary?>(() => NcclLibrary.TryLoad(_candidates()), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public static NcclLoader Default { get; } = new(DefaultCandidates);

    /// <summary>Whether a load was tried (the library is opened only when a GPU group asks for it).</summary>
    public bool Attempted => _library.IsValueCreated;

    /// <summary>The library, or null when no candidate loads.</summary>
    public NcclLibrary? Library => _library.Value;

    public static IEnumerable<string> DefaultCandidates()
    {
        if (Environment.GetEnvironmentVariable("HYC_NCCL_LIBRARY") is { Length: > 0 } explicitPath)
        {
            yield return explicitPath;
        }

        yield return "libnccl.so.2";
        yield return "libnccl.so";
    }
}
