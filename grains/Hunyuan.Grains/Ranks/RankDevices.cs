using Hunyuan.Grains.Nodes;
using Hunyuan.Model.Devices;

namespace Hunyuan.Grains.Ranks;

/// <summary>
/// Which device a rank runs on. The planner places a rank on a GPU of a node's report; a virtual GPU computes on the
/// CPU, a real one is cuda:N with N its position in the report. The report lists the GPUs the agent's process can
/// see (CUDA_VISIBLE_DEVICES applied, see <see cref="VisibleDevices"/>), so position N is CUDA ordinal N.
/// </summary>
public static class RankDevices
{
    /// <summary>"cpu" or "cuda:N" for the GPU of index <paramref name="gpuIndex"/> in <paramref name="report"/>.</summary>
    public static string For(NodeReport report, int gpuIndex)
    {
        ArgumentNullException.ThrowIfNull(report);
        var position = -1;
        for (var i = 0; i < report.Gpus.Count; i++)
        {
            if (report.Gpus[i].Index == gpuIndex)
            {
                position = i;
                break;
            }
        }

        if (position < 0)
        {
            throw new ArgumentException($"node {report.Name} reports no GPU {gpuIndex} (it reports {report.Gpus.Count})");
        }

        return report.Gpus[position].Virtual ? "cpu" : $"cuda:{position}";
    }

    /// <summary>
    /// The device a rank of this process loads on, or one line naming the node, the slot and what is missing: the
    /// CUDA build, or enough CUDA devices. Checked before anything is loaded.
    /// </summary>
    public static (ComputeDevice? Device, string? Error) Resolve(string text, string node, int rank, ICudaRuntime cuda)
    {
        ArgumentNullException.ThrowIfNull(cuda);
        if (!DeviceRequest.TryParse(text, out var request, out var error) || (request.Cuda && request.Index is null))
        {
            return (null, $"rank {rank} on {node}: device '{text}' is not cpu or cuda:N{(error.Length > 0 ? "" : " (the layout names no index)")}");
        }

        if (!request.Cuda)
        {
            return (ComputeDevice.Cpu, null);
        }

        if (!cuda.IsAvailable)
        {
            return (null, $"rank {rank} on {node} needs {text}: {DeviceRequest.LibTorchHasNoCuda}");
        }

        var count = cuda.DeviceCount;
        if (request.Index >= count)
        {
            return (null, $"rank {rank} on {node} needs GPU slot {request.Index} ({text}), but this agent sees {count} CUDA device{(count == 1 ? "" : "s")}; check CUDA_VISIBLE_DEVICES against the node's GPUs");
        }

        return (request.ForSlot(0), null);
    }
}
