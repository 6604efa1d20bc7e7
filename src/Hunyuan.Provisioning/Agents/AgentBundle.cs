using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Hunyuan.Provisioning.Agents;

/// <summary>One file of an agent bundle: where it is here, where it goes under the bundle's directory there, its mode and content hash.</summary>
public sealed record BundleFile(string LocalPath, string RelativePath, long Length, UnixFileMode Mode, string Sha256 = "")
{
    /// <summary>A manifest line: what a later install compares to reuse this file instead of sending it again.</summary>
    public string ManifestLine => $"{Sha256} {Length} {Convert.ToString((int)Mode, 8)} {RelativePath}";
}

/// <summary>
/// What `up` installs on every host: hyc itself (app/, the directory hyc runs from, libtorch included unless the hosts
/// have their own) and the .NET
/// runtime it runs on (dotnet/: the host, hostfxr and the NETCore and AspNetCore shared frameworks of this process),
/// and the ICU that runtime loaded (icu/), so a GPU host or container needs nothing but Linux on x86-64 with glibc,
/// libstdc++ and OpenSSL. Its id is a content hash: the same build gives the same id, which is
/// how a second `up` knows the agent is already there.
/// </summary>
public sealed class AgentBundle
{
    private AgentBundle(IReadOnlyList<BundleFile> files, string id)
    {
        Files = files;
        Id = id;
    }

    public IReadOnlyList<BundleFile> Files { get; }

    /// <summary>16 hex digits of a SHA-256 over every file's path, length, mode and content hash.</summary>
    public string Id { get; }

    public long TotalBytes => Files.Sum(f => f.Length);

    /// <summary>The manifest installed with the bundle (.manifest), one <see cref="BundleFile.ManifestLine"/> per file.</summary>
    public string Manifest => string.Join('\n', Files.Select(f => f.ManifestLine)) + "\n";

    /// <summary>The bundle of the running hyc: its own directory and the runtime it runs on.</summary>
    /// <param name="withoutLibTorch">Leave out libtorch (<see cref="LibTorchFiles"/>): the hosts have their own.</param>
    public static AgentBundle ForThisProcess(bool withoutLibTorch = false) =>
        From(AppContext.BaseDirectory, DotnetRootOfThisProcess(), Environment.Version.ToString(), withoutLibTorch, IcuLibraries.OfThisProcess());

    /// <summary>A bundle from an app directory (with hyc.dll) and a dotnet root holding runtime <paramref name="runtimeVersion"/>.</summary>
    /// <param name="withoutLibTorch">
    /// Leave the app directory's libtorch native files out (<see cref="LibTorchFiles"/>): the hosts load their own
    /// (runtime.libtorch_dir), and a CPU libtorch shipped beside it would be the one TorchSharp loads.
    /// </param>
    /// <param name="icu">ICU libraries to ship under icu/ by their sonames (<see cref="IcuLibraries"/>).</param>
    public static AgentBundle From(string appDirectory, string dotnetRoot, string runtimeVersion, bool withoutLibTorch = false, IReadOnlyList<(string Path, string Soname)>? icu = null)
    {
        if (!File.Exists(Path.Combine(appDirectory, "hyc.dll")))
        {
            throw new FileNotFoundException($"{appDirectory} holds no hyc.dll: not a hyc build to install on the hosts");
        }

        var files = new List<BundleFile>();
        AddTree(files, appDirectory, "app");
        if (withoutLibTorch)
        {
            files.RemoveAll(f => LibTorchFiles.IsLibTorchNative(Path.GetFileName(f.RelativePath)));
        }

        var muxer = Path.Combine(dotnetRoot, "dotnet");
        if (!File.Exists(muxer))
        {
            throw new FileNotFoundException($"no .NET host at {muxer} to ship with the agent");
        }

        files.Add(Entry(muxer, "dotnet/dotnet"));
        foreach (var notice in new[] { "LICENSE.txt", "ThirdPartyNotices.txt" })
        {
            if (File.Exists(Path.Combine(dotnetRoot, notice)))
            {
                files.Add(Entry(Path.Combine(dotnetRoot, notice), "dotnet/" + notice));
            }
        }

        AddTree(files, Path.Combine(dotnetRoot, "host", "fxr"), "dotnet/host/fxr");
        var netcore = Path.Combine(dotnetRoot, "shared", "Microsoft.NETCore.App", runtimeVersion);
        if (!Directory.Exists(netcore))
        {
            throw new DirectoryNotFoundException($"no .NET runtime {runtimeVersion} at {netcore}");
        }

        AddTree(files, netcore, $"dotnet/shared/Microsoft.NETCore.App/{runtimeVersion}");

        // ASP.NET Core (the endpoint) versions separately from the runtime: ship the newest of the same major.
        var aspnetRoot = Path.Combine(dotnetRoot, "shared", "Microsoft.AspNetCore.App");
        var major = runtimeVersion.Split('.')[0] + ".";
        var aspnet = Directory.Exists(aspnetRoot)
            ? Directory.GetDirectories(aspnetRoot).Where(d => Path.GetFileName(d).StartsWith(major, StringComparison.Ordinal))
                .MaxBy(d => Version.TryParse(Path.GetFileName(d).Split('-')[0], out var v) ? v : new Version(0, 0))
            : null;
        if (aspnet is null)
        {
            throw new DirectoryNotFoundException($"no ASP.NET Core {major}x runtime under {aspnetRoot} to ship with the agent");
        }

        AddTree(files, aspnet, $"dotnet/shared/Microsoft.AspNetCore.App/{Path.GetFileName(aspnet)}");
        foreach (var (path, soname) in icu ?? [])
        {
            files.Add(Entry(path, $"{IcuLibraries.BundleDirectory}/{soname}"));
        }

        files.Sort((a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        var hashed = files.Select(f =>
        {
            using var stream = File.OpenRead(f.LocalPath);
            return f with { Sha256 = Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant() };
        }).ToList();
        return new AgentBundle(hashed, HashOf(hashed));
    }

    private static string DotnetRootOfThisProcess()
    {
        // .../shared/Microsoft.NETCore.App/<version>/ is three levels below the root.
        var runtime = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd('/');
        return Path.GetFullPath(Path.Combine(runtime, "..", "..", ".."));
    }

    private static void AddTree(List<BundleFile> files, string directory, string prefix)
    {
        foreach (var path in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(directory, path).Replace('\\', '/');
            files.Add(Entry(path, $"{prefix}/{relative}"));
        }
    }

    private static BundleFile Entry(string path, string relative)
    {
        var info = new FileInfo(path);
        // Group/other get read (and execute where the owner has it); nothing in a bundle is secret.
        var owner = File.GetUnixFileMode(path);
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        if ((owner & UnixFileMode.UserExecute) != 0)
        {
            mode |= UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        }

        return new BundleFile(path, relative, info.Length, mode);
    }

    private static string HashOf(List<BundleFile> files) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', files.Select(f => f.ManifestLine)))))[..16].ToLowerInvariant();
}
