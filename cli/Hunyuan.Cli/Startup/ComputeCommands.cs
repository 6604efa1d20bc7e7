namespace Hunyuan.Cli.Startup;

/// <summary>The commands that load libtorch and compute: what the process-wide settings made before start-up apply to.</summary>
internal static class ComputeCommands
{
    private static readonly HashSet<string> Names = new(StringComparer.Ordinal) { "agent", "serve", "bench", "model" };

    public static bool Includes(IReadOnlyList<string> args) => args.Count > 0 && Names.Contains(args[0]);
}
