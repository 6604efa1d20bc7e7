using System.Diagnostics;
using TorchSharp;

namespace Hunyuan.Model.Benchmarks;

/// <summary>
/// Measures this machine's memory read bandwidth the way decode uses it: torch streaming through a buffer far larger
/// than the caches (a float32 sum), with torch's own threads. Best of several passes, in bytes per second.
/// </summary>
public static class MemoryBandwidth
{
    public static BandwidthResult Measure(long bytes = 1L << 30, int passes = 5)
    {
        using var noGrad = torch.no_grad();
        using var buffer = torch.ones(bytes / 4, dtype: torch.ScalarType.Float32);
        using var target = torch.empty_like(buffer);
        double bestRead = 0, bestCopy = 0;
        for (var i = 0; i < passes; i++)
        {
            var sw = Stopwatch.StartNew();
            using (var s = buffer.sum())
            {
                _ = s.item<float>();
            }

            bestRead = Math.Max(bestRead, bytes / sw.Elapsed.TotalSeconds);
            sw.Restart();
            target.copy_(buffer);
            bestCopy = Math.Max(bestCopy, 2.0 * bytes / sw.Elapsed.TotalSeconds);
        }

        return new BandwidthResult(bestRead, bestCopy, bytes, torch.get_num_threads());
    }
}

/// <param name="ReadBytesPerSecond">A reduction over the buffer: bytes read per second.</param>
/// <param name="CopyBytesPerSecond">A copy: bytes read plus bytes written per second.</param>
/// <param name="BufferBytes">Size of the buffer streamed.</param>
/// <param name="Threads">Torch CPU threads used.</param>
public sealed record BandwidthResult(double ReadBytesPerSecond, double CopyBytesPerSecond, long BufferBytes, int Threads);
