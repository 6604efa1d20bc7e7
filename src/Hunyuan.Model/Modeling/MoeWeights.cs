using Hunyuan.Model.Devices;
using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// The MoE block (hunyuan-spec §2.6): float32 router softmax over all experts, top-k; with k = 1 the expert's output
/// is scaled by its raw probability, with k > 1 the k probabilities are renormalised; the shared expert is added
/// with weight 1; no token is ever dropped. <see cref="Experts"/> may hold only some experts (expert parallelism):
/// the output is then this holder's share of the sum.
/// </summary>
public sealed class MoeWeights : IDisposable
{
    /// <summary>torch.finfo(float32).eps, the floor the reference puts under the top-k probability sum.</summary>
    private const double Float32MachineEpsilon = 1.1920928955078125e-07;

    /// <summary>
    /// The most expert weight bytes a step may gather into a grouped matmul. Small experts (the host-bound case:
    /// the deep narrow benchmark, the mini) are gathered on a GPU and for batches; real-size experts (hundreds of MB
    /// each) would triple their memory traffic that way, so they run one expert at a time after reading the routing on
    /// the host. One token in host memory is never gathered (<see cref="DispatchFor"/>).
    /// </summary>
    internal const long GatherLimitBytes = 64L << 20;

    private readonly ExpertBank? _bank;

    public MoeWeights(torch.Tensor router, int topK, MlpWeights? shared, IReadOnlyDictionary<int, MlpWeights> experts)
    {
        Router = router;
        TopK = topK;
        Shared = shared;
        _bank = ExpertBank.TryCreate(experts, router.shape[0], out var views);
        Experts = views;
    }

    /// <summary>Router weight [experts, hidden], float32.</summary>
    public torch.Tensor Router { get; }

    public int TopK { get; }

    public MlpWeights? Shared { get; }

    public IReadOnlyDictionary<int, MlpWeights> Experts { get; }

    public long ResidentBytes => (Router.NumberOfElements * Router.ElementSize)
        + (Shared?.ResidentBytes ?? 0) + Experts.Values.Sum(e => e.ResidentBytes);

    public torch.Tensor Forward(torch.Tensor x) => Forward(x, DispatchFor(x));

    /// <summary>Forward with the expert dispatch forced (tests compare the two).</summary>
    internal torch.Tensor Forward(torch.Tensor x, ExpertDispatch dispatch)
    {
        if (dispatch == ExpertDispatch.Gather && _bank is null)
        {
            throw new InvalidOperationException($"layer's experts are not stacked (fp8 per-tensor scales or mixed kinds); {ExpertDispatch.Gather} is unavailable");
        }

        var (indices, weights) = Route(x);
        using (indices)
        using (weights)
        {
            var combined = dispatch == ExpertDispatch.Gather
                ? _bank!.Combine(x, indices, weights)
                : x.shape[0] == 1 ? CombineOneToken(x, indices, weights) : CombineByExpert(x, indices, weights);
            if (Shared is null)
            {
                return combined;
            }

            var s = Shared.Forward(x);
            using (combined)
            {
                StepTensors.InPlace(s, t => t.add_(combined));
                return s;
            }
        }
    }

    // In host memory reading the routing costs no synchronisation, so a single token runs its chosen experts where
    // their weights lie; gathering would copy each chosen expert's weights once per token (for the built-in mini, 3 MB
    // a layer) only to read them again. On a GPU the gather avoids a host read per layer, as long as the copies stay small.
    internal ExpertDispatch DispatchFor(torch.Tensor x) =>
        _bank is not null && !(x.shape[0] == 1 && TensorDevices.IsHostMemory(x)) && _bank.BytesPerExpert * x.shape[0] * TopK <= GatherLimitBytes
            ? ExpertDispatch.Gather
            : ExpertDispatch.HostRouted;

    // Decode at batch 1: no gather/scatter, just the chosen experts' outputs scaled and summed.
    private torch.Tensor CombineOneToken(torch.Tensor x, torch.Tensor indices, torch.Tensor weights)
    {
        // The one host read of a MoE layer: which experts run is decided on the host (one sync per layer on a GPU).
        var chosen = TensorDevices.Longs(indices);
        torch.Tensor? combined = null;
        for (var j = 0; j < chosen.Length; j++)
        {
            if (Experts.TryGetValue((int)chosen[j], out var expert))
            {
                using var y = expert.Forward(x);
                using var wj = weights.narrow(1, j, 1);
                using var w = wj.to(x.dtype);
                if (combined is null)
                {
                    combined = y * w;
                }
                else
                {
                    using var weighted = y * w;
                    StepTensors.InPlace(combined, t => t.add_(weighted));
                }
            }
        }

        // No chosen expert held here (expert parallelism): this holder's share is zero.
        return combined ?? torch.zeros_like(x);
    }

    private torch.Tensor CombineByExpert(torch.Tensor x, torch.Tensor indices, torch.Tensor weights)
    {
        var combined = torch.zeros_like(x);
        var n = x.shape[0];
        var chosen = TensorDevices.Longs(indices);
        var byExpert = new Dictionary<int, List<long>>();
        for (long flat = 0; flat < chosen.Length; flat++)
        {
            var e = (int)chosen[flat];
            if (Experts.ContainsKey(e))
            {
                (byExpert.TryGetValue(e, out var l) ? l : byExpert[e] = []).Add(flat);
            }
        }

        using var flatWeights = weights.reshape(n * TopK);
        foreach (var (e, flats) in byExpert.OrderBy(p => p.Key))
        {
            using var flatIdx = torch.tensor(flats.ToArray(), dtype: torch.ScalarType.Int64, device: x.device);
            using var tokens = torch.tensor(flats.Select(f => f / TopK).ToArray(), dtype: torch.ScalarType.Int64, device: x.device);
            using var xs = x.index_select(0, tokens);
            using var ys = Experts[e].Forward(xs);
            using var w = flatWeights.index_select(0, flatIdx).to(x.dtype).unsqueeze(1);
            using var weighted = ys * w;
            combined.index_add_(0, tokens, weighted, 1);
        }

        return combined;
    }

    /// <summary>Expert ids [N, k] and their combine weights [N, k] (float32).</summary>
    public (torch.Tensor Indices, torch.Tensor Weights) Route(torch.Tensor x)
    {
        using var xf = x.to(torch.ScalarType.Float32);
        using var logits = torch.nn.functional.linear(xf, Router);
        using var probs = torch.nn.functional.softmax(logits, 1);
        var (values, indices) = probs.topk(TopK, dim: 1);
        if (TopK == 1)
        {
            return (indices, values);
        }

        using (values)
        using (var sum = values.sum(1, keepdim: true).clamp_min(Float32MachineEpsilon))
        {
            return (indices, values / sum);
        }
    }

    public void Dispose()
    {
        _bank?.Dispose();
        Router.Dispose();
        Shared?.Dispose();
        foreach (var e in Experts.Values)
        {
            e.Dispose();
        }
    }
}
