using System.ClientModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Hunyuan.Cli.Tests.TestSupport;
using Hunyuan.Provisioning.Tests.TestSupport;
using OpenAI;
using OpenAI.Chat;
using Xunit.Abstractions;

namespace Hunyuan.Cli.Tests.Commands.Serve;

/// <summary>
/// `hyc serve --deployment` as real processes against a real local cluster (two agent processes, the built-in tiny model
/// as TP1 x PP2, one stage in each): the serving lease between two endpoints, and the loss of a stage's agent in the
/// middle of a streamed request. Answers are held to a single-process `hyc model run`'s greedy ids.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(OneClusterAtATime.Name)]
public sealed class DeploymentServingEndToEndTests(PipelinedLocalCluster cluster, ITestOutputHelper output) : IClassFixture<PipelinedLocalCluster>
{
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan HealBound = TimeSpan.FromSeconds(120);

    /// <summary>The bound: a request in flight on a lost rank ends within 5 s, not after a 60 s collective timeout.</summary>
    private static readonly TimeSpan LostRankBound = TimeSpan.FromSeconds(5);

    /// <summary>Long enough that a stream is still going when the test acts on it (tiny's context is 4,096).</summary>
    private const int LongRequest = 4000;

    [Fact]
    public async Task ASecondEndpointIsRefusedWithTheHoldersAddressAndTakeOverLeavesTheFirstFailingCleanly()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        int portA = TestPorts.One(), portB = TestPorts.One();
        await using var first = ServeProcess.Start(cluster.Env, portA, PipelinedLocalCluster.ServeArguments());
        await first.WaitReadyAsync(http, StartBound, "(the first endpoint)");
        Assert.Equal(cluster.ReferenceIds, (await GreedyAsync(http, first)).Ids());
        var chat = Chat(first);
        var hello = (await chat.CompleteChatAsync([new UserChatMessage("Hello")], new ChatCompletionOptions { MaxOutputTokenCount = 4 })).Value;
        Assert.InRange(hello.Usage.OutputTokenCount, 1, 4);

        // A second endpoint on the same deployment is refused, naming the holder's address.
        await using (var refused = ServeProcess.Start(cluster.Env, portB, PipelinedLocalCluster.ServeArguments()))
        {
            Assert.True(await refused.WaitForExitAsync(StartBound), "the second serve did not exit\n" + refused.Output);
            Assert.Equal(2, refused.ExitCode);   // ExitCodes.InvalidArguments
            Assert.Contains($"http://127.0.0.1:{portA}/v1", refused.Stderr, StringComparison.Ordinal);
            Assert.Contains("--take-over", refused.Stderr, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(first.Root, "/health/ready"))).StatusCode);

        // A stream is in flight on the first endpoint when a third process takes the lease over. The first is frozen
        // (SIGSTOP) meanwhile, as by a long pause or a partition, so when it resumes its next step usually reaches the
        // ranks before the head's answer to its renewal reaches it: the ranks refuse that step as stale ("carries lease"
        // in the message; the head's refusal says "serving lease"). Either way the stream ends with an error in OpenAI's
        // shape, not a hang, not a bare 500.
        using var inFlight = await StreamedCompletion.OpenAsync(http, first.V1, PipelinedLocalCluster.Prompt, LongRequest, TimeSpan.FromSeconds(30));
        Assert.True(await inFlight.ReadTokensAsync(16, TimeSpan.FromSeconds(60)) && inFlight.End is null, $"the stream did not get going: {inFlight.End}\n{first.Output}");
        Signal(first, "STOP");
        await using var second = ServeProcess.Start(cluster.Env, portB, PipelinedLocalCluster.ServeArguments("--take-over"));
        try
        {
            await second.WaitReadyAsync(http, StartBound, "(taking over)");
        }
        finally
        {
            Signal(first, "CONT");
        }

        var resumed = Stopwatch.StartNew();
        Assert.True(await inFlight.ReadToEndAsync(TimeSpan.FromSeconds(30)), $"the first endpoint's stream was still open 30 s after it resumed\n{first.Output}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{inFlight.Tokens.Count} tokens streamed; the stream ended {resumed.Elapsed.TotalSeconds:F2} s after the first endpoint resumed: {inFlight.End}"));
        Assert.Equal(StreamEndKind.Error, inFlight.End!.Kind);
        Assert.Contains("lease", inFlight.End.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", inFlight.End.Detail, StringComparison.Ordinal);

        // The first endpoint says why it is not ready, and refuses new requests with 503 in OpenAI's shape.
        var readiness = await WaitNotReadyAsync(http, first, TimeSpan.FromSeconds(15));
        Assert.Contains("serving lease", readiness, StringComparison.Ordinal);
        var stale = await CompletionCalls.CompleteAsync(http, first.V1, PipelinedLocalCluster.Prompt, PipelinedLocalCluster.ReferenceTokens);
        Assert.True(stale.Status == HttpStatusCode.ServiceUnavailable && stale.ErrorMessage() is { } m && m.Contains("serving lease", StringComparison.Ordinal), stale.ToString());
        var sdkError = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("Hello")], new ChatCompletionOptions { MaxOutputTokenCount = 4 }));
        Assert.Equal(503, sdkError.Status);

        // The new holder serves: the SDK's chat, and the reference's greedy ids.
        var taken = (await Chat(second).CompleteChatAsync([new UserChatMessage("Hello")], new ChatCompletionOptions { MaxOutputTokenCount = 4 })).Value;
        Assert.InRange(taken.Usage.OutputTokenCount, 1, 4);
        var ids = await GreedyAsync(http, second);
        Assert.True(ids.Status == HttpStatusCode.OK, ids + "\n" + second.Output);
        Assert.Equal(cluster.ReferenceIds, ids.Ids());

        await second.StopAsync();
        await first.StopAsync();
        Assert.Equal(0, second.ExitCode);
        Assert.Equal(0, first.ExitCode);
    }

    [Fact]
    public async Task AKilledStageAgentEndsTheStreamWithin5SecondsAndTheEndpointAnswers503UntilItHeals()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        await using var serve = ServeProcess.Start(cluster.Env, TestPorts.One(), PipelinedLocalCluster.ServeArguments());
        await serve.WaitReadyAsync(http, HealBound, "(before the kill; the deployment may still be healing from another test)");
        Assert.Equal(cluster.ReferenceIds, (await GreedyAsync(http, serve)).Ids());

        using var stream = await StreamedCompletion.OpenAsync(http, serve.V1, PipelinedLocalCluster.Prompt, LongRequest, TimeSpan.FromSeconds(30));
        Assert.True(await stream.ReadTokensAsync(16, TimeSpan.FromSeconds(60)) && stream.End is null, $"the stream did not get going: {stream.End}\n{serve.Output}");

        // Kill the agent process hosting stage 1 (its supervisor lives on and starts it again).
        var agent = cluster.AgentChildPid("local-1");
        using (var process = Process.GetProcessById(agent))
        {
            var killedAt = Stopwatch.StartNew();
            process.Kill();
            Assert.True(await stream.ReadToEndAsync(TimeSpan.FromSeconds(60)), $"the stream was still open 60 s after the kill\n{serve.Output}");
            var ended = killedAt.Elapsed;
            var ready = await http.GetAsync(new Uri(serve.Root, "/health/ready"));
            var readyAfter = killedAt.Elapsed;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{stream.Tokens.Count} tokens streamed; the stream ended {ended.TotalSeconds:F2} s after the kill: {stream.End}; /health/ready {(int)ready.StatusCode} at {readyAfter.TotalSeconds:F2} s"));
            Assert.Equal(StreamEndKind.Error, stream.End!.Kind);
            Assert.True(ended < LostRankBound, $"the stream ended {ended.TotalSeconds:F1} s after the kill");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }

        // Until the deployment heals, each request is refused with 503 and Retry-After; then it serves the reference's ids.
        var sw = Stopwatch.StartNew();
        var refusals = 0;
        CompletionCalls.Answer? answer = null;
        while (sw.Elapsed < HealBound)
        {
            answer = await CompletionCalls.CompleteAsync(http, serve.V1, PipelinedLocalCluster.Prompt, PipelinedLocalCluster.ReferenceTokens);
            if (answer.Status == HttpStatusCode.OK)
            {
                break;
            }

            Assert.True(answer.Status == HttpStatusCode.ServiceUnavailable && answer.RetryAfter?.Delta is { } after && after > TimeSpan.Zero && answer.ErrorMessage() is not null,
                $"while healing, after {refusals} refusals: {answer}");
            refusals++;
            await Task.Delay(250);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{refusals} requests refused with 503 + Retry-After; served again {sw.Elapsed.TotalSeconds:F1} s after the stream ended"));
        Assert.True(answer?.Status == HttpStatusCode.OK, $"not serving {HealBound.TotalSeconds:F0} s after the kill: {answer}\n{serve.Output}{cluster.Logs()}");
        Assert.Equal(cluster.ReferenceIds, answer!.Ids());

        // The agent restart (a new process joining the cluster, the rank loading again, the canary) takes seconds.
        Assert.True(refusals > 0, "no request was refused while the deployment healed");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(serve.Root, "/health/ready"))).StatusCode);
        await serve.StopAsync();
        Assert.Equal(0, serve.ExitCode);
    }

    private static ChatClient Chat(ServeProcess serve) =>
        new(PipelinedLocalCluster.Deployment, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = serve.V1, NetworkTimeout = TimeSpan.FromSeconds(60) });

    private static Task<CompletionCalls.Answer> GreedyAsync(HttpClient http, ServeProcess serve) =>
        CompletionCalls.CompleteAsync(http, serve.V1, PipelinedLocalCluster.Prompt, PipelinedLocalCluster.ReferenceTokens);

    /// <summary>SIGSTOP or SIGCONT to a serve process.</summary>
    private static void Signal(ServeProcess serve, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, serve.Pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit(5000);
        Assert.Equal(0, kill.ExitCode);
    }

    private static async Task<string> WaitNotReadyAsync(HttpClient http, ServeProcess serve, TimeSpan bound)
    {
        var sw = Stopwatch.StartNew();
        var last = "";
        while (sw.Elapsed < bound)
        {
            using var response = await http.GetAsync(new Uri(serve.Root, "/health/ready"));
            last = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                return last;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"still ready {bound.TotalSeconds:F0} s after losing the lease: {last}");
        return last;
    }
}
