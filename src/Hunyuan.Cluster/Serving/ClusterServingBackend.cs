using Hunyuan.Engine.Scheduling;
using Hunyuan.Grains.Deployments;
using Hunyuan.Model.Tokenization;
using Hunyuan.Serving;

namespace Hunyuan.Cluster.Serving;

/// <summary>
/// Serves a cluster deployment: the scheduler here (on the head), the model's ranks on their nodes. Ready while the
/// deployment is ready and its canary passes; the state is polled once a second.
/// </summary>
public sealed class ClusterServingBackend : IServingBackend, IAsyncDisposable
{
    private readonly IGrainFactory _client;
    private readonly string _deployment;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _poll;
    private volatile string _reason = "starting";
    private volatile bool _ready;

    private ClusterServingBackend(IGrainFactory client, string deployment, HunyuanTokenizer tokenizer, Scheduler scheduler, int maxModelLen)
    {
        _client = client;
        _deployment = deployment;
        Tokenizer = tokenizer;
        Scheduler = scheduler;
        MaxModelLen = maxModelLen;
        _poll = Task.Run(PollAsync);
    }

    public Scheduler Scheduler { get; }

    public HunyuanTokenizer Tokenizer { get; }

    public int MaxModelLen { get; }

    public static async Task<ClusterServingBackend> StartAsync(IGrainFactory client, string deployment, int maxNumSeqs)
    {
        var layout = await client.GetGrain<IDeploymentGrain>(deployment).GetLayoutAsync()
            ?? throw new ArgumentException($"deployment '{deployment}' does not exist or was never placed");
        if (layout.KvBlocks <= 0)
        {
            throw new ArgumentException($"deployment '{deployment}' has no paged KV pool; redeploy it with this version");
        }

        var tokenizer = HunyuanTokenizer.Load(Hunyuan.Model.Checkpoints.ModelSource.Resolve(layout.ModelPath, layout.BuiltInModel));
        var scheduler = new Scheduler(new ClusterStepExecutor(client, deployment),
            new EngineOptions { Blocks = layout.KvBlocks, BlockSize = layout.KvBlockSize, MaxModelLen = layout.MaxModelLen, MaxNumSeqs = maxNumSeqs });
        return new ClusterServingBackend(client, deployment, tokenizer, scheduler, layout.MaxModelLen);
    }

    public (bool Ready, string Reason) Readiness() => (_ready, _reason);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _poll;
        }
        catch (OperationCanceledException)
        {
        }

        await Scheduler.DisposeAsync();
        _stop.Dispose();
    }

    private async Task PollAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var s = await _client.GetGrain<IDeploymentGrain>(_deployment).GetStatusAsync();
                _ready = s is { State: DeploymentState.Ready };
                _reason = s is null ? "no such deployment" : $"{s.State.ToString().ToLowerInvariant()}: {s.Reason}";
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _ready = false;
                _reason = "cluster unreachable: " + ex.GetBaseException().Message;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), _stop.Token);
        }
    }
}
