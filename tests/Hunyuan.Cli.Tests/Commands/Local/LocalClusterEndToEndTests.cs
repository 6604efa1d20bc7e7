using System.ClientModel;
using System.Diagnostics;
using Hunyuan.Cli.Tests.TestSupport;
using Hunyuan.Model.Tests.TestSupport;
using OpenAI;
using OpenAI.Chat;

namespace Hunyuan.Cli.Tests.Commands.Local;

/// <summary>
/// The newcomer's path as real processes on a fresh HYC_HOME: `hyc up --local --deploy tiny --detach`, a chat
/// completion through the official OpenAI SDK, `hyc status --json` and `hyc health`, then `hyc down --local`,
/// leaving no process behind. Ports 27111-27112, 47111-47112 and 18111 are this test's own.
/// </summary>
public sealed class LocalClusterEndToEndTests : IDisposable
{
    private readonly TempDirectory _home = new();

    private Dictionary<string, string> Env => new() { ["HYC_HOME"] = _home.Path };

    [Fact]
    public async Task UpLocalServesTheOpenAiApiAndDownStopsEverything()
    {
        var up = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(5), "up", "--local", "--deploy", "tiny", "--detach", "--nodes", "2", "--gpus-per-node", "2", "--base-port", "27111", "--port", "18111");
        Assert.True(up.ExitCode == 0, up.ToString());
        Assert.Contains("OpenAI endpoint: http://127.0.0.1:18111/v1", up.Stderr, StringComparison.Ordinal);
        var pids = System.Text.RegularExpressions.Regex.Matches(up.Stderr, @"pid (\d+)").Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(2, pids.Count);
        try
        {
            var chat = new ChatClient("tiny", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri("http://127.0.0.1:18111/v1") });
            var completion = (await chat.CompleteChatAsync([new UserChatMessage("Hello")], new ChatCompletionOptions { MaxOutputTokenCount = 8 })).Value;
            Assert.InRange(completion.Usage.OutputTokenCount, 1, 8);

            var status = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(1), "status", "--cluster", "local", "--json");
            Assert.True(status.ExitCode == 0, status.ToString());
            var json = status.Json();
            Assert.Equal(2, json.GetProperty("nodes").EnumerateArray().Count(n => n.GetProperty("state").GetString() == "alive"));
            Assert.Equal("ready", json.GetProperty("deployments")[0].GetProperty("state").GetString());
            Assert.Equal("http://127.0.0.1:18111/v1", json.GetProperty("deployments")[0].GetProperty("endpoint").GetString());

            var health = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(1), "health", "--cluster", "local");
            Assert.True(health.ExitCode == 0, health.ToString());

            var again = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(1), "up", "--local", "--detach", "--base-port", "27111", "--port", "18111");
            Assert.True(again.ExitCode == 0, again.ToString());
            Assert.Contains("already up", again.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            var down = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(1), "down", "--local");
            Assert.True(down.ExitCode == 0, down.ToString());
        }

        var servePid = File.Exists(Path.Combine(_home.Path, "clusters", "local", "processes.json"));
        Assert.False(servePid, "down removes the state file");
        foreach (var pid in pids)
        {
            Assert.False(Alive(pid), $"process {pid} is still running");
        }

        Assert.DoesNotContain("hyc.dll serve --deployment tiny --cluster local --port 18111", AllCommandLines(), StringComparison.Ordinal);
        var downAgain = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(1), "down", "--local");
        Assert.Contains("nothing to stop", downAgain.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _home.Dispose();

    private static bool Alive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
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
