namespace Hunyuan.Model.Tests.TestSupport;

/// <summary>Finds ../shared/fixtures beside the repository (as laid for sessions and CI), or $HYC_FIXTURES.</summary>
public static class Fixtures
{
    public static readonly string[] ModelCases = ["tiny-moe", "tiny-moe-bf16-sharded", "tiny-moe-fp8"];

    public static string Root { get; } = Locate();

    public static string RepoRoot { get; } = LocateRepoRoot();

    public static string Path(string name) => System.IO.Path.Combine(Root, name);

    private static string Locate()
    {
        var env = Environment.GetEnvironmentVariable("HYC_FIXTURES");
        if (!string.IsNullOrEmpty(env))
        {
            return env;
        }

        var candidate = System.IO.Path.GetFullPath(System.IO.Path.Combine(LocateRepoRoot(), "..", "shared", "fixtures"));
        return Directory.Exists(candidate)
            ? candidate
            : throw new DirectoryNotFoundException($"golden fixtures not found at {candidate}; set HYC_FIXTURES");
    }

    private static string LocateRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Hunyuan.Cluster.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new DirectoryNotFoundException("repository root (Hunyuan.Cluster.sln) not found above " + AppContext.BaseDirectory);
    }
}
