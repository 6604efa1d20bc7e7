using System.Globalization;
using Hunyuan.Provisioning.Inventory;
using Hunyuan.Provisioning.Redis;
using Hunyuan.Provisioning.Shells;

namespace Hunyuan.Provisioning.Preflight;

/// <summary>
/// Checks a host before `up` changes anything on it: Linux, free disk, the GPUs the list expects (nvidia-smi) or
/// declared virtual ones, a docker daemon for the docker runtime, and free ports. One round trip: a probe script
/// prints key=value facts, judged here, so the judgement is unit-testable and the remote side needs only POSIX sh.
/// </summary>
public static class HostPreflight
{
    // Listening sockets come from /proc/net/tcp{,6} (state 0A) rather than ss, which minimal images lack; they are
    // per network namespace, as the agent's own sockets will be.
    private const string Probe = """
        echo "os=$(uname -s)"
        echo "distro=$( (. /etc/os-release && echo "$PRETTY_NAME") 2>/dev/null)"
        echo "disk_kib=$(df -Pk "$HOME" 2>/dev/null | awk 'NR==2 {print $4}')"
        if command -v nvidia-smi >/dev/null 2>&1; then
          echo "gpus=$(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null | grep -c .)"
        else
          echo "gpus=absent"
        fi
        if command -v docker >/dev/null 2>&1; then
          echo "docker=$(docker version --format '{{.Server.Version}}' 2>/dev/null || echo unreachable)"
        else
          echo "docker=absent"
        fi
        cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 == "0A" {n = split($2, a, ":"); print "listen=" a[n]}'
        """;

    public static async Task<PreflightReport> RunAsync(IHostShell shell, HostEntry host, RuntimeSettings runtime, PreflightOptions options, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var probe = Probe + "\n" + LibrariesProbe(runtime);
        var result = await shell.RunAsync(options.RunsRedis ? probe + "\n" + RedisProbe(runtime, options.RedisImage) : probe, cancellationToken);
        if (result.ExitCode != 0 && string.IsNullOrWhiteSpace(result.Stdout))
        {
            return new PreflightReport(host, [new PreflightCheck("probe", false, $"the probe script failed (exit {result.ExitCode}): {result.Stderr.Trim()}")]);
        }

        return Judge(host, runtime, options, result.Stdout);
    }

    /// <summary>
    /// The version of the Redis this head would run: its redis-server, or the image's when it is already pulled
    /// (preflight pulls nothing; `up` checks a freshly pulled image before it runs it).
    /// </summary>
    private static string RedisProbe(RuntimeSettings runtime, string image)
    {
        if (!runtime.Kind.UsesContainers)
        {
            return "echo \"redis=$(redis-server --version 2>/dev/null || echo absent)\"";
        }

        var q = ShellQuote.Word(image);
        // docker prints warnings before the container's output (host networking without IPv4 forwarding, for one): the
        // version line is the one that names Redis; without one, the last line says what went wrong.
        return $"if docker image inspect {q} >/dev/null 2>&1; then v=$(docker run --rm --entrypoint redis-server {q} --version 2>&1); "
            + "echo \"redis=$(printf '%s\\n' \"$v\" | grep -m 1 'Redis server' || printf '%s\\n' \"$v\" | tail -n 1)\"; else echo redis=not-pulled; fi";
    }

    /// <summary>
    /// What the agent's process needs from where it runs (the host, or the runtime's image when it is already pulled):
    /// the glibc version, and which of libstdc++, libgcc_s and OpenSSL the dynamic linker knows. The bundle carries
    /// .NET and ICU; these it cannot.
    /// </summary>
    private static string LibrariesProbe(RuntimeSettings runtime)
    {
        const string Script = """
            echo "glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')"
            echo "libs=$( { ldconfig -p || /sbin/ldconfig -p; } 2>/dev/null | awk '{print $1}' | grep -xE 'libstdc\+\+\.so\.6|libgcc_s\.so\.1|libssl\.so\.(3|1\.1)' | sort -u | tr '\n' ' ')"
            """;
        if (!runtime.Kind.UsesContainers)
        {
            return Script;
        }

        var image = ShellQuote.Word(runtime.Image);
        return $"if docker image inspect {image} >/dev/null 2>&1; then docker run --rm --entrypoint sh {image} -c {ShellQuote.Word(Script)}; else echo glibc=not-pulled; fi";
    }

    public static PreflightReport Judge(HostEntry host, RuntimeSettings runtime, PreflightOptions options, string facts)
    {
        var lines = facts.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string Fact(string key) => lines.FirstOrDefault(l => l.StartsWith(key + "=", StringComparison.Ordinal))?[(key.Length + 1)..] ?? "";
        var listening = lines.Where(l => l.StartsWith("listen=", StringComparison.Ordinal))
            .Select(l => int.TryParse(l["listen=".Length..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var p) ? p : -1)
            .ToHashSet();

        var checks = new List<PreflightCheck>
        {
            Os(Fact("os"), Fact("distro")),
            Disk(Fact("disk_kib"), options.MinFreeDiskBytes),
            Gpus(host, Fact("gpus")),
        };
        if (runtime.Kind.UsesContainers)
        {
            checks.Add(Docker(Fact("docker")));
        }

        checks.Add(Libraries(Fact("glibc"), Fact("libs"), runtime));
        if (options.RunsRedis)
        {
            checks.Add(Redis(Fact("redis"), runtime, options.RedisImage));
        }

        var busy = options.PortsThatMustBeFree.Where(listening.Contains).ToList();
        checks.Add(busy.Count == 0
            ? new PreflightCheck("ports", true, options.PortsThatMustBeFree.Count == 0 ? "none required" : $"free: {string.Join(", ", options.PortsThatMustBeFree)}")
            : new PreflightCheck("ports", false, $"already in use: {string.Join(", ", busy)} (another process listens there; stop it or choose other ports)"));
        return new PreflightReport(host, checks);
    }

    /// <summary>.NET 10 needs glibc 2.27 or later (its native libraries' newest symbol version).</summary>
    private static readonly Version MinimumGlibc = new(2, 27);

    private static readonly string[] RequiredLibraries = ["libstdc++.so.6", "libgcc_s.so.1"];

    private static PreflightCheck Libraries(string glibc, string libs, RuntimeSettings runtime)
    {
        var where = runtime.Kind.UsesContainers ? $"the image {runtime.Image}" : "the host";
        if (glibc == "not-pulled")
        {
            return new PreflightCheck("libraries", true, $"{runtime.Image} is not pulled yet: its libraries are not checked before `up` pulls it");
        }

        var names = libs.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (glibc.Length == 0 && names.Length == 0)
        {
            return new PreflightCheck("libraries", true, $"not checked: {where} has no getconf or ldconfig to ask");
        }

        var problems = new List<string>();
        if (Version.TryParse(glibc, out var version) && version < MinimumGlibc)
        {
            problems.Add($"glibc {glibc} (.NET needs {MinimumGlibc} or later)");
        }

        problems.AddRange(RequiredLibraries.Where(n => !names.Contains(n)).Select(n => $"no {n}"));
        if (!names.Any(n => n.StartsWith("libssl.so.", StringComparison.Ordinal)))
        {
            problems.Add("no OpenSSL (libssl.so.3 or libssl.so.1.1; the cluster's TLS needs it)");
        }

        return problems.Count == 0
            ? new PreflightCheck("libraries", true, $"glibc {glibc}, {string.Join(", ", names)}")
            : new PreflightCheck("libraries", false, $"{where}: {string.Join("; ", problems)}; install them (e.g. apt-get install libstdc++6 libssl3) or choose another image");
    }

    private static PreflightCheck Os(string os, string distro) => os == "Linux"
        ? new PreflightCheck("os", true, distro.Length > 0 ? distro : "Linux")
        : new PreflightCheck("os", false, $"'{(os.Length > 0 ? os : "unknown")}': hyc agents run on Linux");

    private static PreflightCheck Disk(string freeKib, long minimum)
    {
        if (!long.TryParse(freeKib, NumberStyles.None, CultureInfo.InvariantCulture, out var kib))
        {
            return new PreflightCheck("disk", false, "could not read free space of $HOME (df)");
        }

        var free = kib * 1024;
        var text = $"{free / (double)(1L << 30):F1} GiB free under $HOME";
        return free >= minimum
            ? new PreflightCheck("disk", true, text)
            : new PreflightCheck("disk", false, $"{text}, {minimum / (double)(1L << 30):F1} GiB needed");
    }

    private static PreflightCheck Gpus(HostEntry host, string found)
    {
        var count = int.TryParse(found, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : (int?)null;
        if (host.VirtualGpus is { } v)
        {
            return new PreflightCheck("gpus", true, $"{v.Count} virtual ({v.MemoryBytes / (double)(1L << 30):F0} GiB each, simulated on the CPU)");
        }

        if (count is null)
        {
            return new PreflightCheck("gpus", false, "nvidia-smi not found; install the NVIDIA driver, or declare virtual_gpus for a CPU-only host");
        }

        if (host.Gpus is { } expected && count < expected)
        {
            return new PreflightCheck("gpus", false, $"expected {expected}, nvidia-smi shows {count}");
        }

        return count == 0
            ? new PreflightCheck("gpus", false, "nvidia-smi shows no GPU; declare virtual_gpus for a CPU-only host")
            : new PreflightCheck("gpus", true, $"{count} found" + (host.Gpus is { } e && count > e ? $" ({e} expected; the rest stay unused)" : ""));
    }

    private static PreflightCheck Redis(string version, RuntimeSettings runtime, string image)
    {
        var minimum = RedisServer.MinimumMajorVersion;
        var what = runtime.Kind.UsesContainers ? $"the image {image}" : "the head's redis-server";
        if (version is "" or "absent")
        {
            return new PreflightCheck("redis", false, $"redis-server not found on the head, which the process runtime runs Redis with (apt-get install redis-server; Redis {minimum} or later)");
        }

        if (version == "not-pulled")
        {
            var tagged = RedisVersion.MajorOfTag(image);
            return tagged is null or >= RedisServer.MinimumMajorVersion
                ? new PreflightCheck("redis", true, $"{image} not pulled yet: `up` checks its version (Redis {minimum} or later) when it has pulled it")
                : new PreflightCheck("redis", false, $"{image} names Redis {tagged}; hyc needs Redis {minimum} or later (ACL users); choose another --redis-image");
        }

        var major = RedisVersion.Major(version);
        return major >= minimum
            ? new PreflightCheck("redis", true, version)
            : new PreflightCheck("redis", false, $"{what} is '{version}'; hyc needs Redis {minimum} or later (ACL users: the agents get only the commands they need)");
    }

    private static PreflightCheck Docker(string version) => version switch
    {
        "" or "absent" => new PreflightCheck("docker", false, "docker not found; install Docker or use runtime kind 'process'"),
        "unreachable" => new PreflightCheck("docker", false, "docker is installed but its daemon does not answer (is it running, may this user use it?)"),
        _ => new PreflightCheck("docker", true, "server " + version),
    };
}
