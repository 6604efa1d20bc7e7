using System.CommandLine;
using Hunyuan.Model.Checkpoints;
using Hunyuan.Model.Modeling;

namespace Hunyuan.Cli.Commands.Model;

/// <summary>
/// `hyc model init-tiny DIR`: a model of seeded noise in the real HF layout. Defaults are the tiny-moe fixture's
/// shapes; `--preset mini` gives the ~200M benchmark model. Exit codes: Success, InvalidArguments, FileError.
/// </summary>
internal sealed class InitTinyCommand : Command
{
    private static readonly Argument<string> DirArgument = new("DIR") { Description = "Directory to create (must not exist or be empty)" };
    private static readonly Option<string> PresetOption = new("--preset") { Description = "Starting shapes: tiny (toy) or mini (~200M, 16 experts)", DefaultValueFactory = _ => "tiny" };
    private static readonly Option<int?> SeedOption = new("--seed") { Description = "Random seed" };
    private static readonly Option<string?> DTypeOption = new("--dtype") { Description = "Weight dtype: bf16 or fp32" };
    private static readonly Option<int?> LayersOption = new("--layers") { Description = "num_hidden_layers" };
    private static readonly Option<int?> HiddenOption = new("--hidden") { Description = "hidden_size" };
    private static readonly Option<int?> HeadsOption = new("--heads") { Description = "num_attention_heads" };
    private static readonly Option<int?> KvHeadsOption = new("--kv-heads") { Description = "num_key_value_heads" };
    private static readonly Option<int?> IntermediateOption = new("--intermediate") { Description = "intermediate_size (each expert and the shared MLP unit)" };
    private static readonly Option<int?> ExpertsOption = new("--experts") { Description = "num_experts (1 = dense MLP)" };
    private static readonly Option<int?> TopKOption = new("--topk") { Description = "moe_topk" };
    private static readonly Option<int?> SharedOption = new("--shared-experts") { Description = "num_shared_expert (0 = no shared MLP)" };
    private static readonly Option<int?> VocabOption = new("--vocab") { Description = "vocab_size" };
    private static readonly Option<int?> ClaOption = new("--cla-factor") { Description = "cla_share_factor (1 = no CLA)" };
    private static readonly Option<bool> NoQkNormOption = new("--no-qk-norm") { Description = "use_qk_norm: false" };
    private static readonly Option<bool> UntiedOption = new("--untied") { Description = "tie_word_embeddings: false (writes lm_head.weight)" };
    private static readonly Option<int?> ShardsOption = new("--shards") { Description = "Write N shards with model.safetensors.index.json" };
    private static readonly Option<bool> JsonOption = new("--json") { Description = "Print a JSON summary to stdout" };

    private readonly CliConsole _console;

    public InitTinyCommand(CliConsole console)
        : base("init-tiny", "Create a random model in the real Hugging Face layout")
    {
        _console = console;
        Arguments.Add(DirArgument);
        foreach (var o in new Option[] { PresetOption, SeedOption, DTypeOption, LayersOption, HiddenOption, HeadsOption, KvHeadsOption, IntermediateOption, ExpertsOption, TopKOption, SharedOption, VocabOption, ClaOption, NoQkNormOption, UntiedOption, ShardsOption, JsonOption })
        {
            Options.Add(o);
        }

        SetAction(Execute);
    }

    private int Execute(ParseResult r)
    {
        var dir = r.GetRequiredValue(DirArgument);
        var preset = r.GetValue(PresetOption) ?? "tiny";
        if (!Hunyuan.Model.Checkpoints.BuiltInModels.All.TryGetValue(preset, out var o))
        {
            return _console.Fail(ExitCodes.InvalidArguments, $"--preset: unknown preset '{preset}' (tiny or mini)");
        }

        var dtypeText = r.GetValue(DTypeOption);
        if (dtypeText is not null && !ComputeDType.TryParse(dtypeText, out _))
        {
            return _console.Fail(ExitCodes.InvalidArguments, $"--dtype: '{dtypeText}' is not bf16 or fp32");
        }

        o = o with
        {
            Seed = r.GetValue(SeedOption) ?? o.Seed,
            DType = dtypeText ?? o.DType,
            Layers = r.GetValue(LayersOption) ?? o.Layers,
            Hidden = r.GetValue(HiddenOption) ?? o.Hidden,
            Heads = r.GetValue(HeadsOption) ?? o.Heads,
            KvHeads = r.GetValue(KvHeadsOption) ?? o.KvHeads,
            Intermediate = r.GetValue(IntermediateOption) ?? o.Intermediate,
            Experts = r.GetValue(ExpertsOption) ?? o.Experts,
            TopK = r.GetValue(TopKOption) ?? o.TopK,
            SharedExperts = r.GetValue(SharedOption) ?? o.SharedExperts,
            Vocab = r.GetValue(VocabOption) ?? o.Vocab,
            ClaFactor = r.GetValue(ClaOption) ?? o.ClaFactor,
            QkNorm = !r.GetValue(NoQkNormOption) && o.QkNorm,
            Tied = !r.GetValue(UntiedOption) && o.Tied,
            Shards = r.GetValue(ShardsOption) ?? o.Shards,
        };

        try
        {
            var config = RandomCheckpointWriter.Write(dir, o);
            var parameters = Hunyuan.Model.Config.ModelTensors.ParameterCount(config);
            _console.Human($"wrote {Path.GetFullPath(dir)}: {config}; {parameters:N0} parameters, seed {o.Seed}, {config.TorchDType}");
            if (r.GetValue(JsonOption))
            {
                _console.Json(new InitTinyOutput(Path.GetFullPath(dir), parameters, config.TorchDType, o.Seed), CliJsonContext.Default.InitTinyOutput);
            }

            return ExitCodes.Success;
        }
        catch (Hunyuan.Model.Config.ConfigException ex)
        {
            return _console.Fail(ExitCodes.InvalidArguments, ex.Message);
        }
        catch (ArgumentException ex)
        {
            return _console.Fail(ExitCodes.InvalidArguments, ex.Message);
        }
        catch (IOException ex)
        {
            return _console.Fail(ExitCodes.FileError, ex.Message);
        }
    }
}

internal sealed record InitTinyOutput(string Directory, long ParameterCount, string Dtype, int Seed);
