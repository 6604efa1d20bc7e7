using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Hunyuan.Cli.Tests.TestSupport;

/// <summary>A real `hyc agent` process on loopback, stopped (killed with its tree) when disposed.</summary>
public sealed class AgentProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private AgentProcess(Process process, string node)
    {
        _process = process;
        Node = node;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Node { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static AgentProcess Start(string node, bool head, int siloPort, int gatewayPort, int primaryPort, int virtualGpus, string home, IReadOnlyList<string>? extraArguments = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "hyc.dll"));
        foreach (var a in new[]
        {
            "agent", "--node", node, "--silo-port", Str(siloPort), "--gateway-port", Str(gatewayPort), "--primary-port", Str(primaryPort),
            "--virtual-gpus", Str(virtualGpus), "--virtual-gpu-memory", "4GiB",
        })
        {
            psi.ArgumentList.Add(a);
        }

        if (head)
        {
            psi.ArgumentList.Add("--head");
        }

        foreach (var a in extraArguments ?? [])
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        psi.Environment["HYC_HOME"] = home;
        return new AgentProcess(Process.Start(psi)!, node);
    }

    /// <summary>SIGKILL: the node vanishes without a goodbye, as a crashed host would.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private static string Str(int v) => v.ToString(CultureInfo.InvariantCulture);

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
