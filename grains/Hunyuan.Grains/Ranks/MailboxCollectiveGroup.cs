using System.Globalization;
using Hunyuan.Model.Devices;
using Hunyuan.Model.Parallel;
using TorchSharp;

namespace Hunyuan.Grains.Ranks;

/// <summary>
/// A tensor-parallel group whose members are on different nodes (the slow path `hyc plan` warns about): each member
/// sends its tensor to every other member's mailbox and combines all of them in member order, so every member gets
/// the same bits. Traffic is (members - 1) tensors per member per collective.
/// </summary>
public sealed class MailboxCollectiveGroup(IGrainFactory grains, IReadOnlyList<string> memberKeys, int index, RankMailbox own, TimeSpan timeout, string groupTag) : ITensorParallelGroup
{
    private long _op;

    public int Size => memberKeys.Count;

    public int Index => index;

    public torch.Tensor AllReduceSum(torch.Tensor local)
    {
        var parts = Exchange(local);
        try
        {
            var acc = parts[0].clone();
            for (var i = 1; i < parts.Length; i++)
            {
                acc.add_(parts[i]);
            }

            return acc;
        }
        finally
        {
            Dispose(parts, local);
        }
    }

    public torch.Tensor AllGather(torch.Tensor local, long dimension)
    {
        var parts = Exchange(local);
        try
        {
            return torch.cat(parts, dimension);
        }
        finally
        {
            Dispose(parts, local);
        }
    }

    private torch.Tensor[] Exchange(torch.Tensor local)
    {
        var op = Interlocked.Increment(ref _op);
        string Tag(int from) => string.Create(CultureInfo.InvariantCulture, $"tp|{groupTag}|{op}|{from}");
        var chunks = TensorCodec.Encode(Tag(index), local);
        for (var m = 0; m < memberKeys.Count; m++)
        {
            if (m == index)
            {
                continue;
            }

            var peer = grains.GetGrain<IRankGrain>(memberKeys[m]);
            foreach (var chunk in chunks)
            {
                if (!peer.DeliverAsync(chunk).Wait(timeout))
                {
                    throw new TimeoutException($"collective {op}: sending to {memberKeys[m]} timed out");
                }
            }
        }

        var parts = new torch.Tensor[memberKeys.Count];
        for (var m = 0; m < memberKeys.Count; m++)
        {
            if (m == index)
            {
                parts[m] = local;
                continue;
            }

            var (dtype, shape, data) = own.Take(Tag(m), timeout);
            using var host = TensorCodec.Decode(dtype, shape, data);
            parts[m] = TensorDevices.On(host, local.device);
        }

        return parts;
    }

    private static void Dispose(torch.Tensor[] parts, torch.Tensor local)
    {
        foreach (var p in parts)
        {
            if (!ReferenceEquals(p, local))
            {
                p.Dispose();
            }
        }
    }
}
