using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Cluster.Runtimes;

/// <summary>How to run this hyc again as another process: its apphost, or `dotnet hyc.dll` (as tests and `dotnet run` start it).</summary>
public sealed record HycInvocation(string Program, IReadOnlyList<string> Prefix)
{
    public static HycInvocation OfThisProcess()
    {
        var path = Environment.ProcessPath ?? "dotnet";
        var dll = Path.Combine(AppContext.BaseDirectory, "hyc.dll");
        return Path.GetFileNameWithoutExtension(path) == "hyc" ? new HycInvocation(path, []) : new HycInvocation(DotnetHost(path), [dll]);
    }

    /// <summary>A shell command line; no argument may be a secret.</summary>
    public string CommandLine(IEnumerable<string> arguments) => ShellQuote.Join(Prefix.Prepend(Program).Concat(arguments));

    // Under a test host the process is not dotnet itself; the SDK says where its host is.
    private static string DotnetHost(string processPath) => Path.GetFileNameWithoutExtension(processPath) == "dotnet"
        ? processPath
        : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
}
