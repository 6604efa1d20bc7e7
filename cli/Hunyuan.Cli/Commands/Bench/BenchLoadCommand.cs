using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.SafeTensors;
using Hunyuan.Model.Variants;

namespace Hunyuan.Cli.Commands.Bench;

/// <summary>
/// `hyc bench load`: weight loading throughput (checkpoint bytes copied out of the memory-mapped files per second,
/// conversion to the compute dtype included) against a plain sequential read of the same files. Both runs see the
/// same page cache state: run it twice to compare warm, or after dropping caches for cold.
/// </summary>
internal sealed class BenchLoadCommand : Command
{
    private static readonly Option<string> ModelOption = new("--model") { Description = "Model directory or built-in (tiny, mini)", DefaultValueFactory = _ => "mini" };
    private static readonly Option<string> DTypeOption = new("--dtype") { Description = "Compute dtype", DefaultValueFactory = _ => "bfloat16" };

    private readonly CliConsole _console;

    public BenchLoadCommand(CliConsole console)
        : base("load", "Weight loading throughput against the disk's sequential read throughput")
    {
        _console = console;
        Options.Add(ModelOption);
        Options.Add(DTypeOption);
        SetAction(Execute);
    }

    private int Execute(ParseResult r)
    {
        if (!ComputeDType.TryParse(r.GetValue(DTypeOption), out var dtype))
        {
            return _console.Fail(ExitCodes.InvalidArguments, "--dtype must be bfloat16 or float32");
        }

        var dir = ModelDirectory.Resolve(r.GetRequiredValue(ModelOption), _console);
        long fileBytes;
        using (var ckpt = SafeTensorsCheckpoint.Open(dir))
        {
            fileBytes = ckpt.Files.Sum(f => f.Length);
        }

        var buffer = new byte[8 << 20];
        var sw = Stopwatch.StartNew();
        using (var ckpt = SafeTensorsCheckpoint.Open(dir))
        {
            foreach (var f in ckpt.Files)
            {
                using var fs = new FileStream(f.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
                while (fs.Read(buffer, 0, buffer.Length) > 0)
                {
                }
            }
        }

        var readRate = fileBytes / sw.Elapsed.TotalSeconds;
        sw.Restart();
        long loaded;
        using (var ckpt = SafeTensorsCheckpoint.Open(dir))
        {
            using var model = ModelLoader.Load(Hunyuan.Model.Config.HunyuanConfig.Load(dir), ckpt, LoadOptions.Of(dtype), Hunyuan.Model.Parallel.PartitionSlice.Whole(Hunyuan.Model.Config.HunyuanConfig.Load(dir)), Hunyuan.Model.Parallel.SingleRankGroup.Instance);
            loaded = ckpt.BytesRead;
        }

        var loadRate = loaded / sw.Elapsed.TotalSeconds;
        _console.Human(string.Create(CultureInfo.InvariantCulture,
            $"sequential read of {fileBytes / 1e6:F1} MB: {readRate / 1e9:F2} GB/s; model load ({loaded / 1e6:F1} MB of tensors into {ComputeDType.Name(dtype)}): {sw.Elapsed.TotalSeconds:F2} s = {loadRate / 1e9:F2} GB/s ({loadRate / readRate:P0} of the read rate)"));
        return ExitCodes.Success;
    }
}
