using System.ClientModel;
using System.Diagnostics;
using System.Globalization;
using Hunyuan.Cli.Tests.TestSupport;
using Hunyuan.Cluster.Runtimes;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Provisioning.Tests.TestSupport;
using OpenAI;
using OpenAI.Chat;

namespace Hunyuan.Cli.Tests.Commands.Local;

/// <summary>
/// The newcomer's path as real processes on a fresh HYC_HOME: `hyc up --local --deploy tiny --detach`, a chat
/// completion through the official OpenAI SDK, `hyc status --json` and `hyc health`; then the agents' supervision: a
/// killed agent is restarted by its supervisor and the deployment serves again by itself, and an agent killed with its
/// supervisor is started again by the next `hyc up --local`, which changes nothing else; `hyc bench cluster` on a second,
/// unserved deployment through the agents; `hyc undeploy` of the served one, the other left; then `hyc down --local`,
/// leaving no process behind. Ports come from <see cref="TestPorts"/>.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(OneClusterAtATime.Name)]
public sealed class LocalClusterEndToEndTests : IDisposable
{
    private static readonly TimeSpan HealBound = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _home = new();
    private readonly int _base = TestPorts.Base(TestPorts.LocalCluster(2));
    private readonly int _port = TestPorts.One();

    private Dictionary<string, string> Env => new() { ["HYC_HOME"] = _home.Path };

    private string ClusterDir => Path.Combine(_home.Path, "clusters", "local");

    [Fact]
    public async Task UpLocalServesTheOpenAiApiHealsLostAgentsAndDownStopsEverything()
    {
        var basePort = _base.ToString(CultureInfo.InvariantCulture);
        var port = _port.ToString(CultureInfo.InvariantCulture);
        var url = $"http://127.0.0.1:{port}/v1";
        var pids = new List<int>();
        try
        {
            var up = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(5), "up", "--local", "--deploy", "tiny", "--detach", "--nodes", "2", "--gpus-per-node", "2", "--base-port", basePort, "--port", port);
            Assert.True(up.ExitCode == 0, up.ToString());
            Assert.Contains($"OpenAI endpoint: {url}", up.Stderr, StringComparison.Ordinal);
            pids.AddRange(System.Text.RegularExpressions.Regex.Matches(up.Stderr, @"pid (\d+)").Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)));
            Assert.Equal(2, pids.Count);

            var chat = new ChatClient("tiny", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(url) });
            var completion = (await chat.CompleteChatAsync([new UserChatMessage("Hello")], new ChatCompletionOptions { MaxOutputTokenCount = 8 })).Value;
            Assert.InRange(completion.Usage.OutputTokenCount, 1, 8);

            var status = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(1), "status", "--cluster", "local", "--json");
            Assert.True(status.ExitCode == 0, status.ToString());
            var json = status.Json();
            Assert.Equal(2, json.GetProperty("nodes").EnumerateArray().Count(n => n.GetProperty("state").GetString() == "alive"));
            Assert.Equal("ready", json.GetProperty("deployments")[0].GetProperty("state").GetString());
            Assert.Equal(url, json.GetProperty("deployments")[0].GetProperty("endpoint").GetString());

            // Each agent's /metrics (Orleans', the runtime's and hyc's own meters), and a prometheus.yml naming every target.
            using (var http = new HttpClient())
            {
                var agentMetrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{_base + 10000}/metrics"));
                Assert.Contains("hyc_gpu_memory_total", agentMetrics, StringComparison.Ordinal);
                Assert.Contains("hyc_rank_step_duration", agentMetrics, StringComparison.Ordinal);
                Assert.Contains("hyc_rank_transport_duration", agentMetrics, StringComparison.Ordinal);
                Assert.Contains("orleans", agentMetrics, StringComparison.OrdinalIgnoreCase);
                var endpointMetrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
                Assert.Contains("vllm_generation_tokens_total", endpointMetrics, StringComparison.Ordinal);

                // Every series the example Grafana dashboard queries is one that hyc serves (vllm:X is stored from vllm_X
                // by prometheus.yml's relabelling). Virtual GPUs have no utilization and no used-memory figure.
                var dashboard = File.ReadAllText(Path.Combine(RepositoryPaths.Root(), "examples", "grafana", "hyc.json"));
                var served = agentMetrics + endpointMetrics;
                var queried = System.Text.RegularExpressions.Regex.Matches(dashboard, @"(vllm:[a-z_]+|hunyuan_agent_[a-z_]+)").Select(m => m.Value.Replace("vllm:", "vllm_", StringComparison.Ordinal)).Distinct().ToList();
                Assert.True(queried.Count >= 10, string.Join(", ", queried));
                Assert.All(queried.Where(q => q is not ("hunyuan_agent_hyc_gpu_utilization" or "hunyuan_agent_hyc_gpu_memory_used")), q => Assert.Contains(q, served, StringComparison.Ordinal));
            }

            var prometheus = File.ReadAllText(Path.Combine(ClusterDir, "prometheus.yml"));
            Assert.Contains($"'127.0.0.1:{_base + 10000}', '127.0.0.1:{_base + 10001}'", prometheus, StringComparison.Ordinal);
            Assert.Contains($"'127.0.0.1:{port}'", prometheus, StringComparison.Ordinal);

            var health = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(1), "health", "--cluster", "local");
            Assert.True(health.ExitCode == 0, health.ToString());

            var again = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(1), "up", "--local", "--detach", "--base-port", basePort, "--port", port);
            Assert.True(again.ExitCode == 0, again.ToString());
            Assert.Contains("already up", again.Stderr, StringComparison.Ordinal);

            // A crash of agent local-1 (its supervisor lives on): nobody runs a command, and the deployment serves again.
            var child = int.Parse(File.ReadAllText(Path.Combine(ClusterDir, "agent-local-1.child")).Trim(), CultureInfo.InvariantCulture);
            Kill(child);
            await ServesAgainAsync(chat, "after the agent was killed");
            Assert.Contains("ended with signal KILL", File.ReadAllText(Path.Combine(ClusterDir, "logs", "agent-local-1.log")), StringComparison.Ordinal);

            // Agent local-1 and its supervisor both gone: the next `up` starts that one agent and nothing else.
            var supervisor = int.Parse(File.ReadAllText(Path.Combine(ClusterDir, "agent-local-1.pid")).Trim(), CultureInfo.InvariantCulture);
            KillGroup(supervisor);
            var heal = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(2), "up", "--local", "--detach", "--base-port", basePort, "--port", port);
            Assert.True(heal.ExitCode == 0, heal.ToString());
            Assert.Contains("[local-1] agent started", heal.Stderr, StringComparison.Ordinal);
            Assert.Contains("[local-0] agent running", heal.Stderr, StringComparison.Ordinal);
            pids.AddRange(System.Text.RegularExpressions.Regex.Matches(heal.Stderr, @"started \(pid (\d+)").Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)));
            await ServesAgainAsync(chat, "after `up` restarted the agent");

            // `bench cluster` through the real agents, on a deployment nobody serves (a serving endpoint holds the lease).
            var deploy = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(3), "deploy", "tiny", "--variant", "bf16", "--tp", "1", "--pp", "2", "--name", "timed", "--no-serve", "--cluster", "local");
            Assert.True(deploy.ExitCode == 0, deploy.ToString());
            var bench = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(3), "bench", "cluster", "--deployment", "timed", "--cluster", "local", "--tokens", "4", "--repeat", "1",
                "--threads", new LocalClusterOptions().TorchThreadsPerAgent(2).ToString(CultureInfo.InvariantCulture), "--json");
            Assert.True(bench.ExitCode == 0, bench.ToString());
            var timed = bench.Json();
            Assert.Equal(1, timed.GetProperty("tp").GetInt32());
            Assert.Equal(2, timed.GetProperty("pp").GetInt32());
            Assert.InRange(timed.GetProperty("nodes").GetInt32(), 1, 2);
            var cluster = timed.GetProperty("cluster_ms_per_step").GetDouble();
            var single = timed.GetProperty("single_ms_per_step").GetDouble();
            Assert.True(cluster > 0 && single > 0, bench.Stdout);
            Assert.Equal(cluster - single, timed.GetProperty("overhead_ms_per_step").GetDouble(), 0.002);
            Assert.True(timed.GetProperty("ranks_ms_per_step").GetDouble() > 0, bench.Stdout);

            // The reference computes with as many torch threads as each of the two agents (`up --local` gives each its share of
            // the cores): the same ids, token for token.
            Assert.True(timed.GetProperty("same_greedy_ids").GetBoolean(), bench.ToString());
            Assert.Contains("deployment timed (TP1 x PP2", bench.Stderr, StringComparison.Ordinal);

            // `undeploy` of the served deployment: its endpoint stops, its record and scrape target go, the other stays.
            var undeploy = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(2), "undeploy", "tiny", "--cluster", "local", "--json");
            Assert.True(undeploy.ExitCode == 0, undeploy.ToString());
            Assert.True(undeploy.Json().GetProperty("removed").GetBoolean(), undeploy.ToString());
            Assert.True(undeploy.Json().GetProperty("endpoint_stopped").GetBoolean(), undeploy.ToString());
            Assert.DoesNotContain($"serve --deployment tiny --port {port} --cluster local", AllCommandLines(), StringComparison.Ordinal);
            using (var http = new HttpClient())
            {
                await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri($"http://127.0.0.1:{port}/v1/models")));
            }

            var left = (await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(1), "status", "--cluster", "local", "--json")).Json();
            Assert.Equal(["timed"], left.GetProperty("deployments").EnumerateArray().Select(d => d.GetProperty("name").GetString()));
            Assert.DoesNotContain($"'127.0.0.1:{port}'", File.ReadAllText(Path.Combine(ClusterDir, "prometheus.yml")), StringComparison.Ordinal);
            var unknown = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(1), "undeploy", "tiny", "--cluster", "local");
            Assert.True(unknown.ExitCode == 2, unknown.ToString());
            Assert.Contains("cluster 'local' has no deployment 'tiny'; its deployments: timed", unknown.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            var down = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(1), "down", "--local");
            Assert.True(down.ExitCode == 0, down.ToString());
        }

        Assert.False(File.Exists(Path.Combine(ClusterDir, "cluster.json")), "down removes the state file");
        foreach (var pid in pids)
        {
            Assert.False(Alive(pid), $"process {pid} is still running");
        }

        Assert.DoesNotContain($"serve --deployment tiny --port {port} --cluster local", AllCommandLines(), StringComparison.Ordinal);
        Assert.DoesNotContain($"agent --node local-1 --silo-port {_base + 1} ", AllCommandLines(), StringComparison.Ordinal);
        var downAgain = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(1), "down", "--local");
        Assert.Contains("nothing to stop", downAgain.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _home.Dispose();

    private static async Task ServesAgainAsync(ChatClient chat, string when)
    {
        var sw = Stopwatch.StartNew();
        Exception? last = null;
        while (sw.Elapsed < HealBound)
        {
            try
            {
                var completion = (await chat.CompleteChatAsync([new UserChatMessage("Hello again")], new ChatCompletionOptions { MaxOutputTokenCount = 4 })).Value;
                Assert.InRange(completion.Usage.OutputTokenCount, 1, 4);
                return;
            }
            catch (ClientResultException e)
            {
                last = e;
            }
            catch (HttpRequestException e)
            {
                last = e;
            }

            await Task.Delay(1000);
        }

        Assert.Fail($"the deployment did not serve again within {HealBound.TotalSeconds:F0} s {when}: {last?.Message}");
    }

    private static void Kill(int pid)
    {
        using var p = Process.GetProcessById(pid);
        p.Kill();
        p.WaitForExit(TimeSpan.FromSeconds(10));
    }

    private static void KillGroup(int leader)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-KILL", "--", "-" + leader.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit(5000);
    }

    private static bool Alive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is ArgumentException or IOException)
        {
            return false;
        }
    }

    private static string AllCommandLines() => string.Join("\n", Directory.EnumerateDirectories("/proc")
        .Where(d => int.TryParse(Path.GetFileName(d), out _))
        .Select(d =>
        {
            try
            {
                return File.ReadAllText(Path.Combine(d, "cmdline")).Replace('\0', ' ');
            }
            catch (IOException)
            {
                return "";
            }
            catch (UnauthorizedAccessException)
            {
                return "";
            }
        }));
}
