using System.Diagnostics;
using Hunyuan.Model.Config;
using Hunyuan.Model.Devices;
using Hunyuan.Model.Modeling;
using TorchSharp;

namespace Hunyuan.Model.Benchmarks;

/// <summary>One kind of op a decode step of a layer issues: its shape, how often a layer issues it, and what one call costs.</summary>
public sealed record OpCost(string Op, string Shape, int PerLayer, double MicrosecondsPerCall);

/// <summary>
/// Another arrangement of the same arithmetic as one of the step's calls (q, k and v as three matmuls instead of one
/// stacked one, attention written out), timed the same way: <see cref="MicrosecondsPerLayer"/> against
/// <see cref="ReplacedMicrosecondsPerLayer"/>, what the call it would replace costs per layer.
/// </summary>
public sealed record OpAlternative(string Replaces, string Calls, double MicrosecondsPerLayer, double ReplacedMicrosecondsPerLayer);

/// <summary>
/// The ops of one layer's batch-1 decode step timed one by one, and their sum: the least that step can cost on this
/// stack. <see cref="LowestFloorMicrosecondsPerLayer"/> takes, for each call with a timed alternative, the cheaper of
/// the two: the floor under any of these arrangements, not only the one the model uses.
/// </summary>
public sealed record LayerOpCostResult(IReadOnlyList<OpCost> Ops, int LaunchesPerLayer, double FloorMicrosecondsPerLayer, string ExpertDispatch, string RmsNormKernel)
{
    public IReadOnlyList<OpAlternative> Alternatives { get; init; } = [];

    public double LowestFloorMicrosecondsPerLayer { get; init; }
}

/// <summary>
/// Times, one op at a time, the torch calls that one self-attention MoE layer issues for one token at batch 1 (the
/// list mirrors DecoderLayer, AttentionWeights and MoeWeights on this device, views left out since they launch no
/// kernel), at the shapes of a model config, on random tensors. Their sum is a floor under a layer's decode time on
/// this libtorch and device: what the kernels themselves cost when nothing else runs, before any bookkeeping. Each op
/// runs <c>reps</c> times after a warm-up; the figure is the median of five batches' means.
/// </summary>
public static class LayerOpCosts
{
    public static LayerOpCostResult Measure(HunyuanConfig c, torch.ScalarType dtype, ComputeDevice device, int context, int reps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(context, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(reps, 5);
        using var inference = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        var dev = device.Torch;
        var (h, heads, kv, d) = ((long)c.HiddenSize, (long)c.NumAttentionHeads, (long)c.NumKeyValueHeads, (long)c.HeadDim);
        var (inter, experts) = ((long)c.IntermediateSize, (long)Math.Max(1, c.NumExperts));
        // A dense layer's MLP is timed where the shared expert's would be.
        var shared = c.IsMoe ? (c.HasSharedExpert ? (long)c.SharedIntermediateSize : 0) : inter;
        // Random values come from a host generator (the same on every device), then move to the device.
        var gen = new torch.Generator(seed: 7);
        torch.Tensor R(params long[] shape) => torch.randn(shape, generator: gen, device: torch.CPU).to(dtype).to(dev);

        var x = R(1, h);
        var qkvWeight = R((heads + (2 * kv)) * d, h);
        var qk = R(1, heads + kv, d);
        var cos = R(1, 1, d);
        var q4 = R(1, kv, heads / kv, d);
        var cacheK = R(1, kv, context, d);
        var cacheV = R(1, kv, context, d);
        var cacheSlot = cacheK.narrow(2, context - 1, 1);
        var newRow = R(1, kv, 1, d);
        var oWeight = R(h, heads * d);
        var router = torch.randn([experts, h], generator: gen, device: torch.CPU).to(dev);
        var x32 = torch.randn([1, h], generator: gen, device: torch.CPU).to(dev);
        var logits = torch.randn([1, experts], generator: gen, device: torch.CPU).to(dev);
        var gateUp = R(2 * inter, h);
        var gateUpStack = R(Math.Min(experts, 4), 2 * inter, h);
        var downStack = R(Math.Min(experts, 4), h, inter);
        var rows = StepTensors.Int64([1], dev);
        var xs = R(1, h, 1);
        var act1 = R(1, inter, 1);
        var down = R(h, inter);
        var act = R(1, inter);
        var sharedGateUp = R(2 * shared, h);
        var sharedDown = R(h, shared);
        var sharedAct = R(1, shared);
        var weight = torch.rand([1, 1], generator: gen, device: torch.CPU).to(dev);

        // In-place ops multiply by ones so that thousands of repetitions leave the values (and so the kernels' speed) as they were.
        var onesHidden = torch.ones([h], dtype: dtype, device: dev);
        var onesHead = torch.ones([1, 1, d], dtype: dtype, device: dev);
        var onesInter = torch.ones([1, inter], dtype: dtype, device: dev);
        var kernel = RmsNorm.KernelFor(dev.type);
        // As MoeWeights decides for one token: gathered on a GPU while one expert's weights fit the gather limit.
        var gather = device.IsCuda && 3 * inter * h * x.ElementSize <= MoeWeights.GatherLimitBytes;

        var ops = new List<(string Op, string Shape, int PerLayer, Action Run)>
        {
            ($"rms_norm ({kernel.Name})", $"[1, {h}]", 2, () => kernel.Normalize(x, 1e-5).Dispose()),
            ($"rms_norm ({kernel.Name}), QK heads", $"[1, {heads + kv}, {d}]", c.UseQkNorm ? 1 : 0, () => kernel.Normalize(qk, 1e-5).Dispose()),
            ("mul_ (norm weight, QK fold)", $"[1, {h}]", c.UseQkNorm ? 3 : 2, () => StepTensors.InPlace(x, t => t.mul_(onesHidden))),
            ("linear qkv", $"[1, {h}] x [{(heads + (2 * kv)) * d}, {h}]", 1, () => torch.nn.functional.linear(x, qkvWeight).Dispose()),
            ("roll (RoPE)", $"[1, {heads + kv}, {d}]", 1, () => qk.roll(d / 2, -1).Dispose()),
            ("mul (RoPE cos)", $"[1, {heads + kv}, {d}]", 1, () => (qk * cos).Dispose()),
            ("mul_/add_ (RoPE)", $"[1, {heads + kv}, {d}]", 2, () => StepTensors.InPlace(qk, t => t.mul_(onesHead))),
            ("copy_ (KV write)", $"[1, {kv}, 1, {d}]", 2, () => StepTensors.InPlace(cacheSlot, t => t.copy_(newRow))),
            ("scaled_dot_product_attention", $"q [1, {kv}, {heads / kv}, {d}], kv [1, {kv}, {context}, {d}]", 1,
                () => torch.nn.functional.scaled_dot_product_attention(q4, cacheK, cacheV).Dispose()),
            ("linear o", $"[1, {heads * d}] x [{h}, {heads * d}]", 1, () => torch.nn.functional.linear(x, oWeight).Dispose()),
            ("add (residual, shared + routed)", $"[1, {h}]", c.HasSharedExpert ? 3 : 2, () => (x + x).Dispose()),
        };
        if (c.IsMoe)
        {
            ops.AddRange(
            [
                ("to float32 (router input)", $"[1, {h}]", 1, () => x.to(torch.ScalarType.Float32).Dispose()),
                ("linear router (float32)", $"[1, {h}] x [{experts}, {h}]", 1, () => torch.nn.functional.linear(x32, router).Dispose()),
                ("softmax (float32)", $"[1, {experts}]", 1, () => torch.nn.functional.softmax(logits, 1).Dispose()),
                ("topk", $"[1, {experts}], k {c.MoeTopK}", 1, () => { var (v, i) = logits.topk(c.MoeTopK, 1); v.Dispose(); i.Dispose(); }),
                ("to (combine weight)", "[1, 1]", 1, () => weight.to(dtype).Dispose()),
            ]);
            if (gather)
            {
                ops.Add(("index_select (expert gather)", $"[{experts}, {2 * inter}, {h}] and [{experts}, {h}, {inter}]", 2, () => gateUpStack.index_select(0, rows).Dispose()));
                ops.Add(("bmm (gathered expert gate_up)", $"[1, {2 * inter}, {h}] x [1, {h}, 1]", 1, () => gateUpStack.narrow(0, 0, 1).bmm(xs).Dispose()));
                ops.Add(("bmm (gathered expert down)", $"[1, {h}, {inter}] x [1, {inter}, 1]", 1, () => downStack.narrow(0, 0, 1).bmm(act1).Dispose()));
            }
            else
            {
                ops.Add(("linear (expert gate_up)", $"[1, {h}] x [{2 * inter}, {h}]", 1, () => torch.nn.functional.linear(x, gateUp).Dispose()));
                ops.Add(("linear (expert down)", $"[1, {inter}] x [{h}, {inter}]", 1, () => torch.nn.functional.linear(act, down).Dispose()));
            }
        }

        ops.Add(("silu", $"[1, {inter}]", (c.IsMoe ? 1 : 0) + (shared > 0 ? 1 : 0), () => torch.nn.functional.silu(act).Dispose()));
        ops.Add(("mul_ (SwiGLU, combine weight)", $"[1, {inter}]", (c.IsMoe ? 2 : 0) + (shared > 0 ? 1 : 0), () => StepTensors.InPlace(act, t => t.mul_(onesInter))));
        if (shared > 0)
        {
            ops.Add(("linear (shared expert or dense gate_up)", $"[1, {h}] x [{2 * shared}, {h}]", 1, () => torch.nn.functional.linear(x, sharedGateUp).Dispose()));
            ops.Add(("linear (shared expert or dense down)", $"[1, {shared}] x [{h}, {shared}]", 1, () => torch.nn.functional.linear(sharedAct, sharedDown).Dispose()));
        }

        var measured = ops.Where(o => o.PerLayer > 0).ToList();
        var costs = measured.Select(o => new OpCost(o.Op, o.Shape, o.PerLayer, Math.Round(Time(o.Run, reps, device), 2))).ToList();
        var floor = costs.Sum(o => o.PerLayer * o.MicrosecondsPerCall);

        // The same arithmetic arranged otherwise. Stacking (one matmul for q, k and v; one for gate and up) is what a GPU
        // wants, but on a CPU a small stacked bf16 matmul can cost more than its parts; attention written out as two
        // matmuls and a softmax (the eager reference's way) can cost less than the fused call at a short context.
        var qWeight = R(heads * d, h);
        var kvWeight = R(kv * d, h);
        var scale = 1.0 / Math.Sqrt(d);
        var alternatives = new List<(string Replaces, string Calls, Action Run)>
        {
            ("linear qkv", "linear q, linear k, linear v", () =>
            {
                torch.nn.functional.linear(x, qWeight).Dispose();
                torch.nn.functional.linear(x, kvWeight).Dispose();
                torch.nn.functional.linear(x, kvWeight).Dispose();
            }),
            ("scaled_dot_product_attention", "matmul q k^T, mul (scale), softmax (float32), to, matmul v", () =>
            {
                using var kt = cacheK.transpose(2, 3);
                using var raw = q4.matmul(kt);
                using var scaled = raw * scale;
                using var probs = torch.nn.functional.softmax(scaled, -1, torch.ScalarType.Float32);
                using var p = probs.to(dtype);
                using var o = p.matmul(cacheV);
            }),
        };
        if (kernel is not CompositeRmsNormKernel)
        {
            alternatives.Add(($"rms_norm ({kernel.Name})", "rms_norm (composite: to, pow, mean, add_, rsqrt_, mul, to)", () => CompositeRmsNormKernel.Instance.Normalize(x, 1e-5).Dispose()));
            alternatives.Add(($"rms_norm ({kernel.Name}), QK heads", "rms_norm (composite), QK heads", () => CompositeRmsNormKernel.Instance.Normalize(qk, 1e-5).Dispose()));
        }

        if (c.IsMoe && !gather)
        {
            var gateWeight = R(inter, h);
            alternatives.Add(("linear (expert gate_up)", "linear gate, linear up", () =>
            {
                torch.nn.functional.linear(x, gateWeight).Dispose();
                torch.nn.functional.linear(x, gateWeight).Dispose();
            }));
        }

        if (shared > 0)
        {
            var sharedGateWeight = R(shared, h);
            alternatives.Add(("linear (shared expert or dense gate_up)", "linear gate, linear up", () =>
            {
                torch.nn.functional.linear(x, sharedGateWeight).Dispose();
                torch.nn.functional.linear(x, sharedGateWeight).Dispose();
            }));
        }

        var timedAlternatives = new List<OpAlternative>();
        var saved = 0.0;
        foreach (var (replaces, calls, run) in alternatives)
        {
            if (costs.FirstOrDefault(o => o.Op == replaces) is not { } replaced)
            {
                continue;
            }

            var perLayer = Time(run, reps, device) * replaced.PerLayer;
            var replacedPerLayer = replaced.MicrosecondsPerCall * replaced.PerLayer;
            timedAlternatives.Add(new OpAlternative(replaces, calls, Math.Round(perLayer, 2), Math.Round(replacedPerLayer, 2)));
            saved += Math.Max(0, replacedPerLayer - perLayer);
        }

        return new LayerOpCostResult(costs, costs.Sum(o => o.PerLayer), Math.Round(floor, 1), !c.IsMoe ? "dense" : gather ? "gather" : "host-routed", kernel.Name)
        {
            Alternatives = timedAlternatives,
            LowestFloorMicrosecondsPerLayer = Math.Round(floor - saved, 1),
        };
    }

    private static double Time(Action run, int reps, ComputeDevice device)
    {
        for (var i = 0; i < Math.Min(reps, 50); i++)
        {
            run();
        }

        Synchronize(device);
        var batch = reps / 5;
        var means = new double[5];
        for (var b = 0; b < means.Length; b++)
        {
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < batch; i++)
            {
                run();
            }

            Synchronize(device);
            means[b] = Stopwatch.GetElapsedTime(start).TotalMicroseconds / batch;
        }

        Array.Sort(means);
        return means[means.Length / 2];
    }

    private static void Synchronize(ComputeDevice device)
    {
        if (device.IsCuda)
        {
            torch.cuda.synchronize(device.Torch);
        }
    }
}
