using Hunyuan.Engine.Collectives.Nccl;
using TorchSharp;

namespace Hunyuan.Engine.Collectives;

/// <summary>
/// The one place a node decides how its ranks exchange tensors: NCCL when every rank computes on a distinct CUDA device
/// and libnccl.so.2 loads, else the in-process hub (CPU ranks, one GPU, or no NCCL on the host). NCCL is not even
/// looked for unless the devices are GPUs.
/// </summary>
public static class CollectiveBackends
{
    public static ICollectiveBackend InProcess => InProcessCollectiveBackend.Instance;

    public static ICollectiveBackend ForNode(IReadOnlyList<torch.Device> devices, NcclLoader? loader = null)
    {
        var gpus = devices.Where(d => d.type == DeviceType.CUDA).Select(d => d.index).ToArray();
        if (gpus.Length < 2 || gpus.Length != devices.Count || gpus.Distinct().Count() != gpus.Length)
        {
            return InProcess;
        }

        return (loader ?? NcclLoader.Default).Library is { } nccl ? new NcclCollectiveBackend(nccl) : InProcess;
    }
}
