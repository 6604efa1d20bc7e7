using System.Net;
using Hunyuan.Engine.DataPlane;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Generation;

namespace Hunyuan.Engine.Tests.DataPlane;

/// <summary>
/// The driver's account of its steps: the ranks' own work on the critical path (stages add up, a stage's members count
/// once, by the slowest) against each step's whole time, from fake ranks that report a fixed compute time.
/// </summary>
public sealed class DataPlaneTimingsTests
{
    private const string Deployment = "timed";
    private const string Epoch = "e1";

    [Theory]
    [InlineData(1, 2, 0.05)]   // two stages: 0.02 + 0.03 per step
    [InlineData(2, 1, 0.03)]   // one stage of two members: the slower, 0.03
    public async Task TheRanksWorkOnTheCriticalPathIsSummedOverStagesAndMaximizedWithinOne(int tp, int pp, double perStep)
    {
        await using var ranks = await FakeRanks.StartAsync(tp, pp, [0.02, 0.03]);
        await using var driver = await DataPlaneDriver.ConnectAsync(ranks.Target);

        await driver.GenerateAsync(1, [1, 2, 3], 3);

        var timings = driver.Timings;
        Assert.Equal(3, timings.Steps);
        Assert.Equal(3 * perStep, timings.RankSeconds, 9);
        Assert.True(timings.StepSeconds > 0, $"{timings.StepSeconds} s");
        Assert.Equal(perStep, timings.RankSeconds / timings.Steps, 9);
    }

    [Fact]
    public async Task AFailedStepIsNotCounted()
    {
        await using var ranks = await FakeRanks.StartAsync(1, 2, [0.01, 0.01]);
        await using var driver = await DataPlaneDriver.ConnectAsync(ranks.Target);
        var greedy = SamplingParameters.Greedy;

        await driver.StepAsync([new ExecutorSequence(1, 0, [1], null, greedy, 1)], CancellationToken.None);
        await Assert.ThrowsAsync<DataPlaneStepException>(() => driver.StepAsync([new ExecutorSequence(FakeRanks.FailingSequence, 0, [1], null, greedy, 1)], CancellationToken.None));
        var before = driver.Timings;
        await driver.StepAsync([new ExecutorSequence(1, 1, [1], null, greedy, 1)], CancellationToken.None);

        Assert.Equal(1, before.Steps);
        var spent = driver.Timings - before;
        Assert.Equal(1, spent.Steps);
        Assert.Equal(0.02, spent.RankSeconds, 9);
    }

    /// <summary>Every rank behind its own listener, each answering at once with the compute time it was given.</summary>
    private sealed class FakeRanks : IAsyncDisposable
    {
        public const long FailingSequence = 99;

        private readonly List<RankDataServer> _servers = [];
        private readonly List<IDisposable> _registrations = [];

        public required DataPlaneTarget Target { get; init; }

        public static Task<FakeRanks> StartAsync(int tp, int pp, double[] computeSeconds)
        {
            var token = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
            var servers = new List<RankDataServer>();
            var registrations = new List<IDisposable>();
            var world = tp * pp;
            for (var r = 0; r < world; r++)
            {
                var server = new RankDataServer(IPAddress.Loopback);
                server.Start();
                servers.Add(server);
                registrations.Add(server.Register(new RankDataEndpoint(Deployment, Epoch, r, token, new FixedCompute(computeSeconds[r], carriesTokens: r == world - tp), null)));
            }

            var target = new DataPlaneTarget(Deployment, Epoch, token, 1, servers.Select(s => s.Endpoint).ToArray(), world - tp, pp);
            var ranks = new FakeRanks { Target = target };
            ranks._servers.AddRange(servers);
            ranks._registrations.AddRange(registrations);
            return Task.FromResult(ranks);
        }

        public async ValueTask DisposeAsync()
        {
            _registrations.ForEach(r => r.Dispose());
            foreach (var s in _servers)
            {
                await s.DisposeAsync();
            }
        }
    }

    private sealed class FixedCompute(double seconds, bool carriesTokens) : IRankStepRunner
    {
        public void RunStep(StepMessage message, Action<StepOutcome> completed)
        {
            if (message.Batch.Any(b => b.SequenceId == FakeRanks.FailingSequence))
            {
                completed(new StepOutcome(message.StepId, null, "no such sequence", ComputeSeconds: seconds));
                return;
            }

            var tokens = carriesTokens ? message.Batch.Select(_ => new SampledToken(7)).ToArray() : null;
            completed(new StepOutcome(message.StepId, tokens, ComputeSeconds: seconds));
        }

        public Task ReleaseAsync(long sequenceId) => Task.CompletedTask;

        public Task ReleaseAllAsync() => Task.CompletedTask;
    }
}
