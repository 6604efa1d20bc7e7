using Hunyuan.Model.SafeTensors;
using TorchSharp;

namespace Hunyuan.Model.Tests.TestSupport;

/// <summary>A fixture's expected.safetensors: prompt ids, float32 prompt logits, cached greedy continuation.</summary>
public sealed class Golden : IDisposable
{
    public Golden(string fixtureDirectory)
    {
        using var file = SafeTensorsFile.Open(System.IO.Path.Combine(fixtureDirectory, "expected.safetensors"));
        using (var ids = file.Read(file.Get("input_ids")))
        {
            InputIds = ids.data<long>().ToArray();
        }

        Logits = file.Read(file.Get("logits"));
        using (var greedy = file.Read(file.Get("greedy_ids")))
        {
            GreedyIds = greedy.data<long>().ToArray();
        }
    }

    public long[] InputIds { get; }

    public torch.Tensor Logits { get; }

    public long[] GreedyIds { get; }

    public void Dispose() => Logits.Dispose();
}
