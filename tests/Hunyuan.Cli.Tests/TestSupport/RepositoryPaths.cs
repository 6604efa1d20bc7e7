namespace Hunyuan.Cli.Tests.TestSupport;

/// <summary>The checkout the tests were built from: where the solution file is, above the test's output directory.</summary>
public static class RepositoryPaths
{
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hunyuan.Cluster.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Hunyuan.Cluster.sln above {AppContext.BaseDirectory}");
    }
}
