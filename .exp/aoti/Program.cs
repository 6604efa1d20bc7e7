using System.Diagnostics;
using TorchSharp;

static class P
{
    const string Src = """
        def gmm(a: Tensor, b: Tensor, offs: Tensor) -> Tensor:
            return torch._grouped_mm(a, b, offs=offs)

        """;
    static void Main()
    {
        torch.set_num_threads(1);
        var unit = torch.jit.compile(Src);
        foreach (var dt in new[] { torch.ScalarType.Float32, torch.ScalarType.BFloat16 })
        {
            long E = 16, H = 64, I = 128;
            var w = torch.randn(E, 2 * I, H).to(dt);           // [E, out, in]
            var x = torch.randn(3, H).to(dt);
            var ids = torch.tensor(new long[] { 2, 2, 9 });
            var offs = torch.tensor(new int[] { 0,0,2,2,2,2,2,2,2,3,3,3,3,3,3,3 });
            var wt = w.transpose(1, 2);                        // [E, in, out]
            try
            {
                var y = unit.invoke<torch.Tensor>("gmm", x, wt, offs);
                var reference = w.index_select(0, ids).bmm(x.unsqueeze(-1)).squeeze(-1);
                Console.WriteLine($"{dt}: shape {string.Join(',', y.shape)} maxdiff {(y.to(torch.ScalarType.Float32) - reference.to(torch.ScalarType.Float32)).abs().max().item<float>()}");
                var x1 = x.narrow(0, 0, 1);
                var o1 = torch.tensor(new int[] { 0,0,1,1,1,1,1,1,1,1,1,1,1,1,1,1 });
                var sw = Stopwatch.StartNew();
                for (int i = 0; i < 5000; i++) { using var r = unit.invoke<torch.Tensor>("gmm", x1, wt, o1); }
                var g = sw.Elapsed.TotalMicroseconds / 5000;
                var id1 = torch.tensor(new long[] { 2 });
                sw.Restart();
                for (int i = 0; i < 5000; i++) { using var c = w.index_select(0, id1); using var r = c.bmm(x1.unsqueeze(-1)); }
                var b = sw.Elapsed.TotalMicroseconds / 5000;
                Console.WriteLine($"  batch1: grouped {g:F1} us, gather+bmm {b:F1} us");
            }
            catch (Exception e) { Console.WriteLine($"{dt}: {e.Message.Split('\n')[0]}"); }
        }
    }
}
