using System.Diagnostics;
using Hunyuan.Engine.Partitioning;
using Hunyuan.Model.Config;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Parallel;
using Hunyuan.Model.SafeTensors;
using Hunyuan.Model.Variants;
using TorchSharp;

static class P
{
    static void Main()
    {
        torch.set_num_threads(1);
        var dir = Environment.GetEnvironmentVariable("HOME") + "/.hyc/models/mini";
        var config = HunyuanConfig.Load(dir);
        var options = new LoadOptions { DType = torch.ScalarType.BFloat16 };
        var plan = PartitionPlanner.Create(config, ModelVariant.Bf16, GpuInventory.Uniform(2, 1, 8L << 30), new LayoutRequest(1, 2));
        using var ck = SafeTensorsCheckpoint.Open(dir);
        var whole = ModelLoader.Load(config, ck, options, PartitionSlice.Whole(config), SingleRankGroup.Instance);
        var s0 = ModelLoader.Load(config, ck, options, plan.Ranks[0].Slice, SingleRankGroup.Instance);
        var s1 = ModelLoader.Load(config, ck, options, plan.Ranks[1].Slice, SingleRankGroup.Instance);
        Console.WriteLine($"stage0 layers {plan.Ranks[0].Slice.LayerStart}+{plan.Ranks[0].Slice.LayerCount}, stage1 {plan.Ranks[1].Slice.LayerStart}+{plan.Ranks[1].Slice.LayerCount}");
        long seq = 0;
        double Run(bool split, int steps)
        {
            var caches = new Dictionary<long, IKvCache>();
            var caches1 = new Dictionary<long, IKvCache>();
            var id = ++seq;
            long[] prompt = [1, 2, 3, 4, 5, 6, 7, 8];
            long next = 0;
            Stopwatch sw = new();
            for (int i = 0; i <= steps; i++)
            {
                if (i == 1) sw.Start();
                var step = i == 0 ? new SequenceStep(id, 0, prompt) : new SequenceStep(id, 7 + i, [next]);
                using var ids = torch.tensor(step.TokenIds, dtype: torch.ScalarType.Int64);
                if (!split)
                {
                    var segs = SequenceCaches.Segments(caches, [step], whole.NewCache, "w");
                    using var logits = whole.Forward(ids, segs);
                    next = logits[-1].argmax().item<long>();
                }
                else
                {
                    var segs0 = SequenceCaches.Segments(caches, [step], s0.NewCache, "s0");
                    using var h = s0.Forward(ids, segs0);
                    var segs1 = SequenceCaches.Segments(caches1, [step], s1.NewCache, "s1");
                    using var logits = s1.Forward(h, segs1);
                    next = logits[-1].argmax().item<long>();
                }
            }
            foreach (var c in caches.Values.Concat(caches1.Values)) c.Dispose();
            return sw.Elapsed.TotalMilliseconds / steps;
        }
        Run(false, 64); Run(true, 64); Run(false, 64); Run(true, 64);
        for (int r = 0; r < 6; r++)
        {
            var a = Run(false, 64); var b = Run(true, 64);
            Console.WriteLine($"whole {a:F2} ms/step, split (same thread) {b:F2}, diff {b - a:F2}");
        }
    }
}
