using System.Security.Cryptography;
using System.Text;
using Hunyuan.Provisioning.Agents;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Remote;

/// <summary>
/// A hyc command run from an installed agent bundle on a host (`dotnet hyc.dll ARGS` with the bundle's own runtime),
/// and the spec hash that decides whether a running copy is still the wanted one.
/// </summary>
public static class BundleCommand
{
    public const string AgentCmdlineMarker = "hyc.dll agent";

    public const string ServeCmdlineMarker = "hyc.dll serve";

    /// <summary>The libtorch directory hyc loads at start (read by Hunyuan.Model's LibTorchLoader, which this project does not reference).</summary>
    public const string LibTorchDirVariable = "HYC_LIBTORCH_DIR";

    /// <summary>
    /// The shell command line; the arguments are quoted, and none of them may be a secret. It runs under `env` with the
    /// bundle's ICU on the library path (<see cref="IcuLibraries"/>); `env` execs dotnet, so the process's cmdline
    /// still shows the markers above.
    /// </summary>
    public static string Line(string bundleId, IEnumerable<string> arguments)
    {
        var root = RemotePaths.Bundle(bundleId);
        return $"env {IcuLibraries.LibraryPathAssignment(root)} \"{root}/dotnet/dotnet\" \"{root}/app/hyc.dll\" {ShellQuote.Join(arguments)}";
    }

    /// <summary>
    /// The same, run with <see cref="LibTorchDirVariable"/> set to <paramref name="libTorchDir"/> when it is given. An
    /// environment variable rather than an option: hyc loads libtorch before it parses a command line, every command
    /// (agent, serve) honours it alike, and processes the agent starts inherit it.
    /// </summary>
    public static string Line(string bundleId, IEnumerable<string> arguments, string? libTorchDir) =>
        libTorchDir is null
            ? Line(bundleId, arguments)
            : $"env {LibTorchDirVariable}={ShellQuote.Word(libTorchDir)} {Line(bundleId, arguments)}";

    /// <summary>
    /// A short hash of everything a process depends on (its command line, and inputs that live in files such as a
    /// password's or key's own hash), so a change of any of them restarts it and the hash reveals none of them.
    /// </summary>
    public static string Spec(params string?[] parts) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts.Select(p => p ?? "")))))[..16].ToLowerInvariant();
}
