using System.CommandLine;
using System.Globalization;
using Hunyuan.Model.Devices;
using Hunyuan.Model.Benchmarks;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Variants;
using TorchSharp;

namespace Hunyuan.Cli.Commands.Bench;

/// <summary>
/// `hyc bench decode`: batch-1 decode tokens/s per compute dtype beside the measured memory bandwidth, as a fraction
/// of the roofline (bandwidth / active weight bytes per token). Exit codes: Success, InvalidArguments, BadConfig,
/// BadCheckpoint, FileError.
/// </summary>
internal sealed class BenchDecodeCommand : Command
{
    private static readonly Option<string> ModelOption = new("--model") { Description = "Model directory (e.g. one made by `hyc model init-tiny`) or built-in (tiny, mini)", DefaultValueFactory = _ => "mini" };
    private static readonly Option<string> DTypesOption = new("--dtypes") { Description = "Comma-separated compute dtypes", DefaultValueFactory = _ => "bfloat16,float32" };
    private static readonly Option<string> VariantsOption = new("--variants") { Description = "Comma-separated variants (bf16, fp8, int8), each quantized at load from the model's checkpoint where needed", DefaultValueFactory = _ => "bf16" };
    private static readonly Option<int> PromptOption = new("--prompt") { Description = "Prompt tokens before decoding", DefaultValueFactory = _ => 32 };
    private static readonly Option<int> StepsOption = new("--steps") { Description = "Measured decode steps", DefaultValueFactory = _ => 64 };
    private static readonly Option<int> WarmupOption = new("--warmup") { Description = "Unmeasured decode steps first", DefaultValueFactory = _ => 8 };
    private static readonly Option<int?> ThreadsOption = new("--threads") { Description = "Torch CPU threads" };
    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print one JSON object to stdout" };
    private static readonly Option<string> DeviceOpt = DeviceOption.Create();

    private readonly CliConsole _console;

    public BenchDecodeCommand(CliConsole console)
        : base("decode", "Batch-1 decode tokens/s against the memory-bandwidth roofline")
    {
        _console = console;
        foreach (var o in new Option[] { ModelOption, DTypesOption, VariantsOption, PromptOption, StepsOption, WarmupOption, ThreadsOption, JsonOption, DeviceOpt })
        {
            Options.Add(o);
        }

        SetAction(Execute);
    }

    private int Execute(ParseResult r)
    {
        if (r.GetValue(StepsOption) < 1 || r.GetValue(PromptOption) < 1 || r.GetValue(WarmupOption) < 0)
        {
            return _console.Fail(ExitCodes.InvalidArguments, "--prompt and --steps must be at least 1, --warmup at least 0");
        }

        var dtypes = new List<torch.ScalarType>();
        foreach (var text in r.GetRequiredValue(DTypesOption).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!ComputeDType.TryParse(text, out var dt))
            {
                return _console.Fail(ExitCodes.InvalidArguments, $"--dtypes: '{text}' is not float32 or bfloat16");
            }

            dtypes.Add(dt);
        }

        var variants = new List<ModelVariant>();
        foreach (var text in r.GetRequiredValue(VariantsOption).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!ModelVariants.TryParse(text, out var v))
            {
                return _console.Fail(ExitCodes.InvalidArguments, $"--variants: '{text}' is not bf16, fp8 or int8");
            }

            variants.Add(v);
        }

        if (r.GetValue(ThreadsOption) is { } threads)
        {
            torch.set_num_threads(threads);
        }

        if (!DeviceOption.TryResolve(r.GetValue(DeviceOpt), 1, TorchCudaRuntime.Instance, out var device, out var deviceError))
        {
            return _console.Fail(ExitCodes.InvalidArguments, deviceError);
        }

        return CommandErrors.Guard(_console, () =>
        {
            var dir = ModelDirectory.Resolve(r.GetRequiredValue(ModelOption), _console);
            _console.Human("measuring memory read bandwidth (1 GiB float32 reduction, best of 5)...");
            var bw = MemoryBandwidth.Measure();
            _console.Human(string.Create(CultureInfo.InvariantCulture, $"memory bandwidth: read {bw.ReadBytesPerSecond / 1e9:F1} GB/s, copy {bw.CopyBytesPerSecond / 1e9:F1} GB/s, {bw.Threads} torch threads"));
            var rows = new List<BenchDecodeRow>();
            foreach (var (variant, dtype) in variants.SelectMany(v => dtypes.Select(d => (v, d))))
            {
                using var model = ModelLoader.Load(dir, new LoadOptions { DType = dtype, Variant = variant, Device = device.ForSlot(0) });
                var result = DecodeBenchmark.Run(model, r.GetValue(PromptOption), r.GetValue(WarmupOption), r.GetValue(StepsOption));
                var roofline = bw.ReadBytesPerSecond / result.ActiveWeightBytesPerToken;
                var row = new BenchDecodeRow(variant.Name(), ComputeDType.Name(dtype), Math.Round(result.TokensPerSecond, 2), Math.Round(result.MeanStepMs, 3),
                    Math.Round(result.MedianStepMs, 3), result.ActiveWeightBytesPerToken, result.ResidentWeightBytes,
                    Math.Round(roofline, 1), Math.Round(result.TokensPerSecond / roofline, 3), model.Layers.Count,
                    Math.Round(result.TensorsPerLayerStep, 1), Math.Round(result.HostMicrosecondsPerLayerStep, 1),
                    RmsNorm.KernelFor(device.ForSlot(0).Torch.type).Name, Startup.TorchHugePages.AdvisedBytes(), Startup.TorchHugePages.AnonHugePageBytes(), [.. result.PromptIds], [.. result.GeneratedIds]);
                rows.Add(row);
                _console.Human(string.Create(CultureInfo.InvariantCulture,
                    $"{row.Variant,-5} {row.Dtype,-9} {row.TokensPerS,8:F1} tokens/s  ({row.MeanStepMs:F2} ms/step, median {row.MedianStepMs:F2}); resident weights {row.ResidentWeightBytes / 1e6:F1} MB, active {row.ActiveWeightBytesPerToken / 1e6:F1} MB/token; roofline {row.RooflineTokensPerS:F0} tokens/s; {row.FractionOfRoofline:P0} of roofline; {row.OpsPerLayerStep:F1} ops and {row.HostUsPerLayerStep:F0} us per layer step ({row.RmsNormKernel} RMSNorm)"));
            }

            if (r.GetValue(JsonOption))
            {
                _console.Json(new BenchDecodeOutput(dir, Math.Round(bw.ReadBytesPerSecond), Math.Round(bw.CopyBytesPerSecond), bw.Threads, Startup.JemallocPreload.Active, Startup.TorchHugePages.Active, rows.ToArray()), CliJsonContext.Default.BenchDecodeOutput);
            }

            return ExitCodes.Success;
        });
    }
}

internal sealed record BenchDecodeRow(string Variant, string Dtype, double TokensPerS, double MeanStepMs, double MedianStepMs, long ActiveWeightBytesPerToken, long ResidentWeightBytes, double RooflineTokensPerS, double FractionOfRoofline,
    int Layers, double OpsPerLayerStep, double HostUsPerLayerStep, string RmsNormKernel, long HugePageAdvisedBytes, long AnonHugePageBytes, long[] PromptIds, long[] GeneratedIds);

internal sealed record BenchDecodeOutput(string Model, double ReadBytesPerS, double CopyBytesPerS, int Threads, string Allocator, string HugePages, BenchDecodeRow[] Results);
