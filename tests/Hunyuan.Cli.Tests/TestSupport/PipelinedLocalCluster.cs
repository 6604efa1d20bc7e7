using System.Globalization;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Provisioning.Tests.TestSupport;

namespace Hunyuan.Cli.Tests.TestSupport;

/// <summary>
/// One local cluster for a test class: `hyc up --local` with two agents of one virtual GPU each, and the built-in tiny
/// model deployed on it as TP1 x PP2 in float32 without an endpoint (so each stage is a rank in a different agent
/// process, and the tests start their own `serve` processes). Also the greedy ids of <see cref="Prompt"/> from a
/// single-process `hyc model run`, the reference the cluster's answers are held to. `hyc down --local` at the end.
/// </summary>
public sealed class PipelinedLocalCluster : IAsyncLifetime, IDisposable
{
    public const string Deployment = "tiny";

    /// <summary>Greedy continuation length of the reference.</summary>
    public const int ReferenceTokens = 8;

    private readonly TempDirectory _home = new();
    private readonly int _base = TestPorts.Base(TestPorts.LocalCluster(2));

    /// <summary>A prompt of token ids inside tiny's vocabulary of 512.</summary>
    public static long[] Prompt { get; } = [1, 17, 42, 99, 7, 300];

    public IReadOnlyDictionary<string, string> Env => new Dictionary<string, string> { ["HYC_HOME"] = _home.Path };

    public string ClusterDir => Path.Combine(_home.Path, "clusters", "local");

    /// <summary>`hyc model run tiny` of <see cref="Prompt"/> in one process: <see cref="ReferenceTokens"/> greedy ids.</summary>
    public long[] ReferenceIds { get; private set; } = [];

    /// <summary>The arguments `serve --deployment` needs to find this cluster.</summary>
    public static string[] ServeArguments(params string[] more) => ["--deployment", Deployment, "--cluster", "local", .. more];

    public async Task InitializeAsync()
    {
        var up = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(5), "up", "--local", "--detach", "--nodes", "2", "--gpus-per-node", "1",
            "--base-port", _base.ToString(CultureInfo.InvariantCulture), "--port", TestPorts.One().ToString(CultureInfo.InvariantCulture));
        Assert.True(up.ExitCode == 0, up.ToString());
        var deploy = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(6), "deploy", "tiny", "--cluster", "local", "--tp", "1", "--pp", "2", "--dtype", "float32",
            "--no-serve", "--timeout", "300", "--json");
        Assert.True(deploy.ExitCode == 0, deploy.ToString() + Logs());
        var ranks = deploy.Json().GetProperty("ranks").EnumerateArray().Select(r => r.GetProperty("node").GetString()).ToList();
        Assert.True(ranks.Count == 2 && ranks.Distinct().Count() == 2, $"each stage on its own agent: {deploy.Stdout}");

        var run = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(2), "model", "run", "tiny", "--ids", string.Join(',', Prompt), "--generate",
            ReferenceTokens.ToString(CultureInfo.InvariantCulture), "--dtype", "float32", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        ReferenceIds = run.Json().GetProperty("greedy_ids").EnumerateArray().Select(e => e.GetInt64()).ToArray();
    }

    /// <summary>The pid of agent NODE's own process (its supervisor restarts it when it dies).</summary>
    public int AgentChildPid(string node) => int.Parse(File.ReadAllText(Path.Combine(ClusterDir, $"agent-{node}.child")).Trim(), CultureInfo.InvariantCulture);

    /// <summary>The agents' logs, for failure messages.</summary>
    public string Logs()
    {
        var logs = Path.Combine(ClusterDir, "logs");
        return Directory.Exists(logs)
            ? string.Concat(Directory.EnumerateFiles(logs, "agent-*.log").Order(StringComparer.Ordinal).Select(f => $"\n--- {Path.GetFileName(f)} (tail) ---\n{Tail(f)}"))
            : "";
    }

    public async Task DisposeAsync()
    {
        var down = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(1), "down", "--local");
        Assert.True(down.ExitCode == 0, down.ToString());
    }

    /// <summary>After <see cref="DisposeAsync"/> (xUnit calls both): the cluster's home goes.</summary>
    public void Dispose() => _home.Dispose();

    private static string Tail(string file)
    {
        var lines = File.ReadAllLines(file);
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 60)));
    }
}
