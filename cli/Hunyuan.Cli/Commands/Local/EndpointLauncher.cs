using System.CommandLine;
using System.Globalization;

namespace Hunyuan.Cli.Commands.Local;

/// <summary>
/// Starts `hyc serve --deployment NAME` in the background on this machine (run `hyc deploy` on the head, where the
/// engine belongs), unless an endpoint already answers on the port. For the local cluster the process joins the
/// ones `hyc down --local` stops; otherwise its pid is written beside the cluster's state.
/// </summary>
internal static class EndpointLauncher
{
    /// <param name="apiKeyEnv">An environment variable holding the key the endpoint requires; the started process inherits it.</param>
    public static async Task EnsureAsync(CliConsole console, ParseResult r, string deployment, int port, string? apiKeyEnv, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        var url = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/v1/models"));
        try
        {
            var models = await http.GetStringAsync(url, cancellationToken);
            console.Human(models.Contains($"\"{deployment}\"", StringComparison.Ordinal)
                ? $"endpoint already serving {deployment} on http://127.0.0.1:{port}/v1"
                : $"port {port} already has an endpoint (for another model); start one with `hyc serve --deployment {deployment} --port P`");
            return;
        }
        catch (HttpRequestException)
        {
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }

        var cluster = r.GetValue(ClusterLocator.ClusterOption) ?? LocalClusterState.Name;
        var dir = Path.Combine(ClusterLocator.ClusterDirectory(cluster), "logs");
        Directory.CreateDirectory(dir);
        var log = Path.Combine(dir, $"serve-{deployment}.log");
        List<string> args = ["serve", "--deployment", deployment, "--port", port.ToString(CultureInfo.InvariantCulture)];
        if (apiKeyEnv is not null)
        {
            args.AddRange(["--api-key-env", apiKeyEnv]);
        }

        var gateways = r.GetValue(ClusterLocator.GatewayOption) ?? [];
        if (gateways.Length > 0)
        {
            foreach (var g in gateways)
            {
                args.AddRange(["--gateway", g]);
            }

            args.AddRange(["--cluster-id", r.GetValue(ClusterLocator.ClusterIdOption) ?? "hunyuan"]);
        }
        else
        {
            args.AddRange(["--cluster", cluster]);
        }

        using var process = DetachedProcess.StartHyc(args, log);
        if (cluster == LocalClusterState.Name && LocalClusterState.Read() is { } state)
        {
            var updated = state with { Processes = [.. state.Processes, new LocalProcess("serve", process.Id, log)], Endpoint = $"http://127.0.0.1:{port}/v1", Deployment = deployment };
            updated.Write();
        }
        else
        {
            File.WriteAllText(Path.Combine(ClusterLocator.ClusterDirectory(cluster), $"serve-{deployment}.pid"), process.Id.ToString(CultureInfo.InvariantCulture));
        }

        console.Human($"starting the OpenAI endpoint for {deployment} on http://127.0.0.1:{port}/v1 (pid {process.Id}, log {log})");
    }
}
