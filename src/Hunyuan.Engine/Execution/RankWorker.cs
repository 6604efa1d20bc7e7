using System.Collections.Concurrent;
using Hunyuan.Engine.Collectives;
using Hunyuan.Engine.Partitioning;
using Hunyuan.Model.Config;
using Hunyuan.Model.Devices;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Parallel;
using Hunyuan.Model.SafeTensors;
using Hunyuan.Model.Variants;
using TorchSharp;

namespace Hunyuan.Engine.Execution;

/// <summary>
/// One rank: its model partition and KV caches, owned by a dedicated thread (TorchSharp dispose scopes are per
/// thread, and rank compute must never run on a shared scheduler). Work is posted to the thread and completes a task.
/// The partition is loaded on that thread from the rank's own memory-mapped view of the checkpoint, reading only its
/// slices; <see cref="BytesRead"/> says how much that was.
/// </summary>
public sealed class RankWorker : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread _thread;
    private readonly Dictionary<long, IKvCache> _caches = [];
    private readonly HunyuanConfig _config;
    private readonly ITensorParallelGroup _group;
    private readonly IStageLink? _inbound;
    private readonly IStageLink? _outbound;
    private SafeTensorsCheckpoint? _checkpoint;
    private HunyuanModel? _model;
    private KvBlockPool? _pool;
    private long _bytesRead;

    public RankWorker(RankPlan plan, HunyuanConfig config, ITensorParallelGroup group, IStageLink? inbound, IStageLink? outbound)
    {
        Plan = plan;
        _config = config;
        _group = group;
        _inbound = inbound;
        _outbound = outbound;
        _thread = new Thread(Run) { IsBackground = true, Name = $"rank-{plan.Rank}" };
        _thread.Start();
    }

    public RankPlan Plan { get; }

    public long BytesRead => _checkpoint?.BytesRead ?? Interlocked.Read(ref _bytesRead);

    public long ResidentWeightBytes => _model?.ResidentBytes ?? 0;

    public long ResidentKvBytes => _pool?.ResidentBytes ?? _caches.Values.Sum(c => c.ResidentBytes);

    /// <summary>KV bytes one token takes on this rank (0 before loading).</summary>
    public long KvBytesPerToken => _model?.KvBytesPerToken ?? 0;

    public int CachedSequences => _caches.Count;

    /// <summary>The device this rank's partition lives on (the CPU until loaded).</summary>
    public ComputeDevice Device => _model?.Device ?? ComputeDevice.Cpu;

    /// <summary>Loads this rank's partition; the checkpoint stays mapped until the worker is disposed.</summary>
    /// <param name="modelDirectory">The checkpoint directory (the same path on every node).</param>
    /// <param name="options">Variant, compute dtype and this rank's device.</param>
    /// <param name="progress">Load progress, 0..1.</param>
    /// <param name="paged">When set, a paged KV pool of that many blocks is allocated for the scheduler's block tables.</param>
    public Task LoadAsync(string modelDirectory, LoadOptions options, IProgress<double>? progress = null, PagedKvOptions? paged = null) => Post(() =>
    {
        _checkpoint = SafeTensorsCheckpoint.Open(modelDirectory);
        _model = ModelLoader.Load(_config, _checkpoint, options, Plan.Slice, _group, progress);
        if (paged is not null)
        {
            _pool = _model.NewBlockPool(paged.Blocks, paged.BlockSize);
        }

        Interlocked.Exchange(ref _bytesRead, _checkpoint.BytesRead);
        _checkpoint.Dispose();
        _checkpoint = null;
        return true;
    });

    /// <summary>Runs the rank's part of a step. Returns logits on the last stage's first rank, null elsewhere.</summary>
    public Task<torch.Tensor?> StepAsync(long stepId, IReadOnlyList<SequenceStep> batch, LogitsMode mode) => Post(() =>
    {
        var model = _model ?? throw new InvalidOperationException($"rank {Plan.Rank} is not loaded");
        var segments = SequenceCaches.Segments(_caches, batch, model.NewCache, $"rank {Plan.Rank}", _pool);
        torch.Tensor input = Plan.Slice.HasEmbedding
            ? torch.tensor(batch.SelectMany(s => s.TokenIds).ToArray(), dtype: torch.ScalarType.Int64, device: model.Device.Torch)
            : _inbound!.Receive(stepId);
        using (input)
        {
            var output = model.Forward(input, segments, mode);
            if (!Plan.Slice.HasHead)
            {
                using (output)
                {
                    _outbound!.Send(stepId, output);
                }

                return null;
            }

            if (Plan.TpIndex == 0)
            {
                return output.DetachFromDisposeScope();
            }

            output.Dispose();
            return (torch.Tensor?)null;
        }
    });

    public Task ReleaseAsync(long sequenceId) => Post(() =>
    {
        if (_caches.Remove(sequenceId, out var cache))
        {
            cache.Dispose();
        }

        return true;
    });

    public Task ReleaseAllAsync() => Post(() =>
    {
        foreach (var c in _caches.Values)
        {
            c.Dispose();
        }

        _caches.Clear();
        return true;
    });

    public void Dispose()
    {
        if (_work.IsAddingCompleted)
        {
            return;
        }

        _work.CompleteAdding();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join(TimeSpan.FromSeconds(30));
        }

        _work.Dispose();
    }

    private Task<T> Post<T>(Func<T> body)
    {
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                tcs.SetResult(body());
            }
            catch (Exception ex)
            {
                tcs.SetException(ex);
            }
        });
        return tcs.Task;
    }

    private void Run()
    {
        foreach (var item in _work.GetConsumingEnumerable())
        {
            item();
        }

        foreach (var c in _caches.Values)
        {
            c.Dispose();
        }

        _caches.Clear();
        _pool?.Dispose();
        _model?.Dispose();
        _checkpoint?.Dispose();
    }
}
