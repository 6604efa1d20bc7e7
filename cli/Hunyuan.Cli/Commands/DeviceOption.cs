using System.CommandLine;
using Hunyuan.Model.Devices;

namespace Hunyuan.Cli.Commands;

/// <summary>
/// `--device cpu|cuda|cuda:N`, shared by the commands that compute in this process. Checked against this process's
/// libtorch before anything loads, so a bad device is one clear line and exit 2, never a half-loaded model.
/// </summary>
internal static class DeviceOption
{
    public static Option<string> Create() => new("--device")
    {
        Description = "Where ranks compute: cpu, cuda (rank r on cuda:r) or cuda:N (every rank on device N)",
        DefaultValueFactory = _ => "cpu",
    };

    /// <summary>Parses and checks the option for <paramref name="ranks"/> ranks; the error is the line to print.</summary>
    public static bool TryResolve(string? text, int ranks, ICudaRuntime cuda, out DeviceRequest request, out string error)
    {
        if (!DeviceRequest.TryParse(text, out request, out error))
        {
            return false;
        }

        error = request.Check(ranks, cuda) ?? "";
        return error.Length == 0;
    }
}
