using System.CommandLine;
using System.Globalization;
using Hunyuan.Model.Benchmarks;
using Hunyuan.Model.Config;
using Hunyuan.Model.Devices;
using Hunyuan.Model.Modeling;

namespace Hunyuan.Cli.Commands.Bench;

/// <summary>
/// `hyc bench ops`: the torch calls one layer's batch-1 decode step issues, each timed alone at a model's shapes, and
/// their sum, the floor under `bench decode`'s host_us_per_layer_step on this libtorch and device; beside it other
/// arrangements of the same arithmetic and the lowest floor they allow. Exit codes: Success, InvalidArguments,
/// BadConfig, FileError.
/// </summary>
internal sealed class BenchOpsCommand : Command
{
    private static readonly Option<string> ModelOption = new("--model") { Description = "Model directory (its config.json gives the shapes) or built-in (tiny, mini)", DefaultValueFactory = _ => "mini" };
    private static readonly Option<string> DTypeOption = new("--dtype") { Description = "Compute dtype", DefaultValueFactory = _ => "bfloat16" };
    private static readonly Option<int> ContextOption = new("--context") { Description = "Cached tokens the attention reads", DefaultValueFactory = _ => 40 };
    private static readonly Option<int> RepsOption = new("--reps") { Description = "Calls timed per op (five batches; the median batch mean is reported)", DefaultValueFactory = _ => 5000 };
    private static readonly Option<int?> ThreadsOption = new("--threads") { Description = "Torch CPU threads" };
    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print one JSON object to stdout" };
    private static readonly Option<string> DeviceOpt = DeviceOption.Create();

    private readonly CliConsole _console;

    public BenchOpsCommand(CliConsole console)
        : base("ops", "Each torch op of a layer's decode step timed alone, and their sum: the floor under host time per layer")
    {
        _console = console;
        foreach (var o in new Option[] { ModelOption, DTypeOption, ContextOption, RepsOption, ThreadsOption, JsonOption, DeviceOpt })
        {
            Options.Add(o);
        }

        SetAction(Execute);
    }

    private int Execute(ParseResult r)
    {
        if (r.GetValue(ContextOption) < 1 || r.GetValue(RepsOption) < 5)
        {
            return _console.Fail(ExitCodes.InvalidArguments, "--context must be at least 1 and --reps at least 5");
        }

        if (!ComputeDType.TryParse(r.GetRequiredValue(DTypeOption), out var dtype))
        {
            return _console.Fail(ExitCodes.InvalidArguments, $"--dtype: '{r.GetRequiredValue(DTypeOption)}' is not float32 or bfloat16");
        }

        if (r.GetValue(ThreadsOption) is { } threads)
        {
            TorchSharp.torch.set_num_threads(threads);
        }

        if (!DeviceOption.TryResolve(r.GetValue(DeviceOpt), 1, TorchCudaRuntime.Instance, out var device, out var deviceError))
        {
            return _console.Fail(ExitCodes.InvalidArguments, deviceError);
        }

        return CommandErrors.Guard(_console, () =>
        {
            var dir = ModelDirectory.Resolve(r.GetRequiredValue(ModelOption), _console);
            var config = HunyuanConfig.Load(Path.Combine(dir, HunyuanConfig.FileName));
            var result = LayerOpCosts.Measure(config, dtype, device.ForSlot(0), r.GetValue(ContextOption), r.GetValue(RepsOption));
            foreach (var op in result.Ops)
            {
                _console.Human(string.Create(CultureInfo.InvariantCulture, $"{op.MicrosecondsPerCall,8:F2} us x {op.PerLayer}  {op.Op}  {op.Shape}"));
            }

            _console.Human(string.Create(CultureInfo.InvariantCulture,
                $"{result.LaunchesPerLayer} calls per layer, {result.FloorMicrosecondsPerLayer:F1} us per layer when each runs alone ({result.RmsNormKernel} RMSNorm, experts {result.ExpertDispatch})"));
            foreach (var alt in result.Alternatives)
            {
                _console.Human(string.Create(CultureInfo.InvariantCulture, $"  instead of {alt.Replaces} ({alt.ReplacedMicrosecondsPerLayer:F2} us per layer): {alt.Calls}, {alt.MicrosecondsPerLayer:F2} us per layer"));
            }

            _console.Human(string.Create(CultureInfo.InvariantCulture, $"{result.LowestFloorMicrosecondsPerLayer:F1} us per layer with the cheaper arrangement of each"));
            if (r.GetValue(JsonOption))
            {
                _console.Json(new BenchOpsOutput(dir, device.ForSlot(0).ToString(), ComputeDType.Name(dtype), Startup.JemallocPreload.Active, Startup.TorchHugePages.Active, Startup.TorchHugePages.AdvisedBytes(), Startup.TorchHugePages.AnonHugePageBytes(), r.GetValue(ContextOption), result.LaunchesPerLayer,
                    result.FloorMicrosecondsPerLayer, result.LowestFloorMicrosecondsPerLayer, result.RmsNormKernel, result.ExpertDispatch, [.. result.Ops], [.. result.Alternatives]), CliJsonContext.Default.BenchOpsOutput);
            }

            return ExitCodes.Success;
        });
    }
}

internal sealed record BenchOpsOutput(string Model, string Device, string Dtype, string Allocator, string HugePages, long HugePageAdvisedBytes, long AnonHugePageBytes, int Context, int CallsPerLayer, double FloorUsPerLayer, double LowestFloorUsPerLayer, string RmsNormKernel, string ExpertDispatch, OpCost[] Ops, OpAlternative[] Alternatives);
