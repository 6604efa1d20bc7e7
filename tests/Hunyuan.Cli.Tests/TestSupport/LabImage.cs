using System.Diagnostics;

namespace Hunyuan.Cli.Tests.TestSupport;

/// <summary>
/// A container image for the docker lab, made offline from Debian's packages: a minbase bookworm with sshd, procps,
/// iproute2 and redis-server (the same image serves the agents' containers and Redis's), and no libicu, like many
/// CUDA base images. Built once with debootstrap (a few minutes) into a tarball cached under /var/tmp, which
/// `docker import` turns into an image in each lab daemon.
/// </summary>
public static class LabImage
{
    public const string Name = "hyc-lab:bookworm";

    private const string Packages = "openssh-server,procps,iproute2,redis-server";

    private static readonly string CacheDirectory = "/var/tmp/hyc-lab-image";

    private static readonly string[] AptSources = ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"];

    /// <summary>The tarball's path, building it first when it is not cached (several minutes, once per machine).</summary>
    public static string Tarball()
    {
        var tar = Path.Combine(CacheDirectory, "bookworm-minbase-sshd.tar");
        if (File.Exists(tar))
        {
            return tar;
        }

        Directory.CreateDirectory(CacheDirectory);
        var rootfs = Path.Combine(CacheDirectory, "rootfs-" + Guid.NewGuid().ToString("N")[..8]);
        var partial = tar + ".partial-" + Environment.ProcessId;
        try
        {
            Run("debootstrap", ["--variant=minbase", $"--include={Packages}", "bookworm", rootfs, Mirror()], TimeSpan.FromMinutes(20));
            Run("tar", ["-C", rootfs, "-cf", partial, "."], TimeSpan.FromMinutes(5));
            File.Move(partial, tar, overwrite: true);
            return tar;
        }
        finally
        {
            if (Directory.Exists(rootfs))
            {
                Run("rm", ["-rf", "--one-file-system", rootfs], TimeSpan.FromMinutes(5));
            }

            File.Delete(partial);
        }
    }

    /// <summary>The Debian mirror this machine's apt uses (deb822 or one-line sources), deb.debian.org if none is named.</summary>
    private static string Mirror()
    {
        foreach (var file in AptSources.Where(File.Exists))
        {
            foreach (var line in File.ReadLines(file))
            {
                var t = line.Trim();
                if (t.StartsWith("URIs:", StringComparison.Ordinal) && !t.Contains("security", StringComparison.Ordinal))
                {
                    return t["URIs:".Length..].Trim().Split(' ')[0];
                }

                if (t.StartsWith("deb ", StringComparison.Ordinal) && !t.Contains("security", StringComparison.Ordinal))
                {
                    return t.Split(' ', StringSplitOptions.RemoveEmptyEntries).First(w => w.StartsWith("http", StringComparison.Ordinal));
                }
            }
        }

        return "http://deb.debian.org/debian";
    }

    private static void Run(string file, string[] args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} ran past {timeout}");
        }

        if (p.ExitCode != 0)
        {
            var output = stdout.Result + stderr.Result;
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed (exit {p.ExitCode}): {output[Math.Max(0, output.Length - 2000)..]}");
        }
    }
}
