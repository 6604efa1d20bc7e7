using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Hunyuan.Model.Config;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.SafeTensors;
using TorchSharp;

namespace Hunyuan.Cli.Commands.Model;

/// <summary>
/// `hyc model run DIR --ids 1,2,3`: load the model in this process, prefill the ids, greedy-decode. Exit codes:
/// Success, InvalidArguments, BadConfig, BadCheckpoint, FileError.
/// </summary>
internal sealed class RunCommand : Command
{
    private static readonly Argument<string> DirArgument = new("DIR") { Description = "Model directory, or a built-in: tiny, mini" };
    private static readonly Option<string> IdsOption = new("--ids") { Description = "Prompt token ids, comma-separated", Required = true };
    private static readonly Option<int> GenerateOption = new("--generate") { Description = "New tokens to generate greedily", DefaultValueFactory = _ => 16 };
    private static readonly Option<string> DTypeOption = new("--dtype") { Description = "Compute dtype: bfloat16 (fast on CPUs with avx512_bf16) or float32", DefaultValueFactory = _ => "bfloat16" };
    private static readonly Option<string?> LogitsOutOption = new("--logits-out") { Description = "Write the prompt positions' logits (F32 [T, vocab], tensor 'logits') to this safetensors file" };
    private static readonly Option<int?> ThreadsOption = new("--threads") { Description = "Torch CPU threads (default: torch's choice)" };
    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print one JSON object to stdout" };

    private readonly CliConsole _console;

    public RunCommand(CliConsole console)
        : base("run", "Run the model in one process: prefill and greedy decode")
    {
        _console = console;
        Arguments.Add(DirArgument);
        Options.Add(IdsOption);
        Options.Add(GenerateOption);
        Options.Add(DTypeOption);
        Options.Add(LogitsOutOption);
        Options.Add(ThreadsOption);
        Options.Add(JsonOption);
        SetAction(Execute);
    }

    public static bool TryParseIds(string text, out long[] ids, out string error)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        ids = new long[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out ids[i]))
            {
                error = $"--ids: element {i + 1} ('{parts[i]}') is not a non-negative integer";
                return false;
            }
        }

        error = "";
        return parts.Length > 0;
    }

    private int Execute(ParseResult r)
    {
        if (!TryParseIds(r.GetRequiredValue(IdsOption), out var ids, out var idError))
        {
            return _console.Fail(ExitCodes.InvalidArguments, idError);
        }

        if (!ComputeDType.TryParse(r.GetValue(DTypeOption), out var dtype))
        {
            return _console.Fail(ExitCodes.InvalidArguments, $"--dtype: '{r.GetValue(DTypeOption)}' is not float32 or bfloat16");
        }

        var generate = r.GetValue(GenerateOption);
        if (generate < 0)
        {
            return _console.Fail(ExitCodes.InvalidArguments, "--generate must be 0 or more");
        }

        if (r.GetValue(ThreadsOption) is { } threads)
        {
            if (threads < 1)
            {
                return _console.Fail(ExitCodes.InvalidArguments, "--threads must be at least 1");
            }

            torch.set_num_threads(threads);
        }

        try
        {
            var dir = ModelDirectory.Resolve(r.GetRequiredValue(DirArgument), _console);
            var config = HunyuanConfig.Load(dir);
            var bad = Array.FindIndex(ids, id => id >= config.VocabSize);
            if (bad >= 0)
            {
                return _console.Fail(ExitCodes.InvalidArguments, $"--ids: element {bad + 1} ({ids[bad]}) is outside the vocabulary of {config.VocabSize}");
            }

            var logitsOut = r.GetValue(LogitsOutOption);
            var sw = Stopwatch.StartNew();
            _console.Human($"loading {dir} ({config}) in {ComputeDType.Name(dtype)}");
            using var model = ModelLoader.Load(dir, dtype);
            var loadMs = sw.Elapsed.TotalMilliseconds;
            var result = GreedyDecoder.Run(model, ids, generate, keepPromptLogits: logitsOut is not null);
            if (logitsOut is not null)
            {
                using var logits = result.PromptLogits!;
                SafeTensorsWriter.Write(logitsOut, [new("logits", logits)]);
                _console.Human($"wrote prompt logits [{ids.Length}, {config.VocabSize}] to {logitsOut}");
            }

            var output = new RunOutput(
                result.Ids.ToArray(), ids.Length, result.Ids.Count, ComputeDType.Name(dtype),
                Math.Round(loadMs, 1), Math.Round(result.Prefill.TotalMilliseconds, 2), Math.Round(result.DecodeTokensPerSecond, 2),
                model.ResidentBytes, config.KvBytesPerToken(dtype == torch.ScalarType.Float32 ? 4 : 2));
            _console.Human($"prompt {ids.Length} tokens, prefill {output.PrefillMs:F1} ms, decode {output.DecodeTokensPerS:F1} tokens/s");
            _console.Human($"greedy ids: {string.Join(",", output.GreedyIds)}");
            if (r.GetValue(JsonOption))
            {
                _console.Json(output, CliJsonContext.Default.RunOutput);
            }

            return ExitCodes.Success;
        }
        catch (ConfigException ex)
        {
            return _console.Fail(ExitCodes.BadConfig, ex.Message);
        }
        catch (CheckpointException ex)
        {
            return _console.Fail(ExitCodes.BadCheckpoint, ex.Message);
        }
        catch (FileNotFoundException ex)
        {
            return _console.Fail(ExitCodes.FileError, ex.Message);
        }
        catch (IOException ex)
        {
            return _console.Fail(ExitCodes.FileError, ex.Message);
        }
    }
}

internal sealed record RunOutput(
    long[] GreedyIds, int PromptTokens, int GeneratedTokens, string Dtype, double LoadMs, double PrefillMs,
    double DecodeTokensPerS, long ResidentWeightBytes, long KvBytesPerToken);
