using System.CommandLine;
using System.Globalization;
using Hunyuan.Model.Checkpoints;
using Hunyuan.Model.Config;
using Hunyuan.Model.SafeTensors;

namespace Hunyuan.Cli.Commands.Model;

/// <summary>
/// `hyc model inspect DIR|config.json`: headers only. With a checkpoint, every tensor's name, shape and dtype is
/// checked against the config; with only a config, the expected tensors and counts are printed. Exit codes:
/// Success, BadConfig, BadCheckpoint (mismatches found), FileError.
/// </summary>
internal sealed class InspectCommand : Command
{
    private static readonly Argument<string> PathArgument = new("PATH") { Description = "Model directory or a config.json" };
    private static readonly Option<bool> ListOption = new("--list") { Description = "List every expected tensor with its shape" };
    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print one JSON object to stdout" };

    private readonly CliConsole _console;

    public InspectCommand(CliConsole console)
        : base("inspect", "Check a checkpoint's tensor names, shapes and dtypes against its config (headers only)")
    {
        _console = console;
        Arguments.Add(PathArgument);
        Options.Add(ListOption);
        Options.Add(JsonOption);
        SetAction(Execute);
    }

    private int Execute(ParseResult r)
    {
        var path = ModelDirectory.Resolve(r.GetRequiredValue(PathArgument), _console);
        return CommandErrors.Guard(_console, () =>
        {
            var config = HunyuanConfig.Load(path);
            var dir = Directory.Exists(path) ? path : Path.GetDirectoryName(Path.GetFullPath(path))!;
            CheckpointInspection inspection;
            if (Directory.Exists(path) && SafeTensorsCheckpoint.Exists(dir))
            {
                using var checkpoint = SafeTensorsCheckpoint.Open(dir);
                inspection = CheckpointInspection.Of(config, checkpoint);
            }
            else
            {
                inspection = CheckpointInspection.OfConfig(config);
            }

            Report(inspection, r.GetValue(ListOption));
            if (r.GetValue(JsonOption))
            {
                _console.Json(ToOutput(inspection), CliJsonContext.Default.InspectOutput);
            }

            return inspection.Ok ? ExitCodes.Success : ExitCodes.BadCheckpoint;
        });
    }

    private static InspectOutput ToOutput(CheckpointInspection i) => new(
        i.Ok, i.CheckpointBytes is not null, i.ParameterCount, i.ActiveParameterCount, i.Expected.Count,
        i.ParameterCount * 2, i.CheckpointBytes, i.Config.KvBytesPerToken(2), i.Config.HeadDim,
        i.Problems.Select(p => new InspectProblem(p.Tensor, p.File, p.Problem)).ToArray(), i.Unexpected.ToArray());

    private void Report(CheckpointInspection i, bool list)
    {
        var c = i.Config;
        _console.Human($"config: {c}");
        _console.Human(string.Create(CultureInfo.InvariantCulture, $"parameters: {i.ParameterCount:N0} ({i.ParameterCount / 1e9:F2} B){(c.TieWordEmbeddings ? ", embeddings tied" : "")}; active per token: {i.ActiveParameterCount:N0}"));
        _console.Human(string.Create(CultureInfo.InvariantCulture, $"weights in bf16: {i.ParameterCount * 2 / 1e9:F1} GB; KV cache (true CLA, {c.CachedLayerCount} cached layers): {c.KvBytesPerToken(2):N0} bytes/token in bf16"));
        _console.Human($"expected tensors: {i.Expected.Count}");
        if (list)
        {
            foreach (var t in i.Expected)
            {
                _console.Human($"  {t.Name} {t.ShapeText}");
            }
        }

        if (i.CheckpointBytes is { } bytes)
        {
            _console.Human(string.Create(CultureInfo.InvariantCulture, $"checkpoint: {bytes:N0} bytes of tensors; {i.Problems.Count} problem(s), {i.Unexpected.Count} unexpected tensor(s)"));
            foreach (var p in i.Problems)
            {
                _console.Human($"  {p.File}: {p.Tensor}: {p.Problem}");
            }

            foreach (var u in i.Unexpected)
            {
                _console.Human($"  unexpected (ignored): {u}");
            }
        }
    }
}

internal sealed record InspectProblem(string Tensor, string File, string Problem);

internal sealed record InspectOutput(
    bool Ok, bool CheckpointChecked, long ParameterCount, long ActiveParameterCount, int TensorCount,
    long WeightBytesBf16, long? CheckpointBytes, long KvBytesPerTokenBf16, int HeadDim,
    InspectProblem[] Problems, string[] Unexpected);
