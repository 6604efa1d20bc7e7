using Hunyuan.Model.Checkpoints;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Tests.TestSupport;
using TorchSharp;

namespace Hunyuan.Model.Tests.Modeling;

/// <summary>
/// The two ways a MoE layer runs its chosen experts must agree: the gather (what a GPU runs, no host read) and the
/// host-routed one (what a CPU runs for one token, and every device for experts too large to gather).
/// </summary>
public sealed class ExpertDispatchTests
{
    public static TheoryData<int, int, string> Cases => new()
    {
        { 1, 1, "float32" }, { 1, 5, "float32" }, { 2, 1, "float32" }, { 2, 5, "float32" },
        { 1, 1, "bfloat16" }, { 2, 5, "bfloat16" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void GatherAndHostRoutedGiveTheSameOutput(int topK, int tokens, string dtype)
    {
        using var dir = new TempDirectory();
        RandomCheckpointWriter.Write(dir.File("m"), RandomModelOptions.Tiny with { TopK = topK, DType = "float32", Seed = 11 });
        var compute = dtype == "float32" ? torch.ScalarType.Float32 : torch.ScalarType.BFloat16;
        using var model = ModelLoader.Load(dir.File("m"), compute);
        using var generator = new torch.Generator(seed: 5);
        using var x32 = torch.randn([tokens, model.Config.HiddenSize], generator: generator);
        using var x = x32.to(compute);

        foreach (var layer in model.Layers)
        {
            var moe = layer.Moe!;
            using var gathered = moe.Forward(x, ExpertDispatch.Gather);
            using var routed = moe.Forward(x, ExpertDispatch.HostRouted);
            using var g = gathered.to(torch.ScalarType.Float32);
            using var r = routed.to(torch.ScalarType.Float32);

            // float32: summation order only; bf16: the two matmul kernels may round an output element differently.
            var tolerance = compute == torch.ScalarType.Float32 ? 1e-5 : 2e-2;
            var scale = Math.Max(1.0, r.abs().max().item<float>());
            var diff = (g - r).abs().max().item<float>();
            Assert.True(diff <= tolerance * scale, $"layer {layer.Index}, top-{topK}, {tokens} tokens, {dtype}: max |gather - host-routed| = {diff:E3} (scale {scale:F3})");
        }
    }

    [Fact]
    public void OneTokenInHostMemoryIsHostRoutedAndABatchIsGathered()
    {
        using var dir = new TempDirectory();
        RandomCheckpointWriter.Write(dir.File("m"), RandomModelOptions.Tiny with { DType = "float32" });
        using var model = ModelLoader.Load(dir.File("m"), torch.ScalarType.Float32);
        var moe = model.Layers[0].Moe!;
        using var one = torch.zeros(1, model.Config.HiddenSize);
        using var four = torch.zeros(4, model.Config.HiddenSize);

        Assert.Equal(ExpertDispatch.HostRouted, moe.DispatchFor(one));
        Assert.Equal(ExpertDispatch.Gather, moe.DispatchFor(four));
    }
}
