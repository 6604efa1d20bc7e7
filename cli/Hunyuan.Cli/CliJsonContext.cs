using System.Text.Json.Serialization;
using Hunyuan.Cli.Commands.Model;

namespace Hunyuan.Cli;

/// <summary>Source-generated JSON for every `--json` output; snake_case keys, as the issues specify.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(RunOutput))]
[JsonSerializable(typeof(InspectOutput))]
[JsonSerializable(typeof(InitTinyOutput))]
[JsonSerializable(typeof(Hunyuan.Cli.Commands.Bench.BenchDecodeOutput))]
[JsonSerializable(typeof(Hunyuan.Cli.Commands.Bench.BenchOpsOutput))]
[JsonSerializable(typeof(Hunyuan.Cli.Commands.Bench.BenchGrammarOutput))]
[JsonSerializable(typeof(Hunyuan.Cli.Commands.Plan.PlanOutput))]
[JsonSerializable(typeof(Hunyuan.Cli.Commands.Bench.BenchLayoutsOutput))]
[JsonSerializable(typeof(Hunyuan.Cli.Commands.Bench.BenchClusterOutput))]
[JsonSerializable(typeof(Hunyuan.Cli.Commands.Bench.BenchPipelineOutput))]
[JsonSerializable(typeof(Hunyuan.Cli.Commands.Bench.BenchPrefixOutput))]
[JsonSerializable(typeof(Hunyuan.Cluster.Status.ClusterStatus))]
[JsonSerializable(typeof(Hunyuan.Cluster.Status.HealthOutput))]
[JsonSerializable(typeof(Hunyuan.Cluster.Services.UndeployReport))]
[JsonSerializable(typeof(Hunyuan.Cluster.Status.DeploymentView))]
[JsonSerializable(typeof(Hunyuan.Cluster.Preflight.PreflightOutput))]
[JsonSerializable(typeof(Hunyuan.Cli.Commands.Provision.ProvisionOutput))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
