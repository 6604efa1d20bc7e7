using System.Runtime.InteropServices;
using Hunyuan.Model.Devices;
using TorchSharp;

namespace Hunyuan.Model.Generation;

/// <summary>
/// Allowed-token bitsets (<see cref="ITokenConstraint.AllowedTokens"/>: bit <c>id % 64</c> of word <c>id / 64</c>) on
/// the host, and as a boolean mask over a batch's logits on their device.
/// </summary>
public static class TokenMask
{
    public static bool Allows(ulong[] mask, long id) =>
        id >= 0 && id / 64 < mask.Length && (mask[id / 64] & (1UL << (int)(id % 64))) != 0;

    /// <summary>Whether any id below <paramref name="width"/> is allowed (a mask with none is a grammar bug).</summary>
    public static bool AllowsAny(ulong[] mask, long width)
    {
        var full = (int)Math.Min(mask.Length, width / 64);
        for (var w = 0; w < full; w++)
        {
            if (mask[w] != 0)
            {
                return true;
            }
        }

        // The partial last word counts only below the width.
        return full < mask.Length && width % 64 != 0 && (mask[full] & ((1UL << (int)(width % 64)) - 1)) != 0;
    }

    /// <summary>A bitset allowing exactly <paramref name="ids"/> out of <paramref name="vocab"/>.</summary>
    public static ulong[] Of(IEnumerable<long> ids, long vocab)
    {
        var mask = new ulong[(vocab + 63) / 64];
        foreach (var id in ids)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(id);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, vocab);
            mask[id / 64] |= 1UL << (int)(id % 64);
        }

        return mask;
    }

    /// <summary>
    /// Bool [rows, <paramref name="width"/>] on <paramref name="device"/>, true where a row may NOT choose the id (what
    /// masked_fill takes), or null when no row has a mask. Ids past a row's bitset are disallowed; a row without one
    /// allows everything. Unpacked on the host a byte at a time through a table (a few microseconds a row, where the
    /// same on a CPU device with tensor shifts took milliseconds), then one copy of rows x vocab bytes to the device.
    /// </summary>
    public static torch.Tensor? Disallowed(IReadOnlyList<ulong[]?> masks, long width, torch.Device device)
    {
        if (masks.All(m => m is null))
        {
            return null;
        }

        var stride = (width + 7) / 8 * 8;
        var flags = new bool[masks.Count * stride];
        var wide = MemoryMarshal.Cast<bool, ulong>(flags.AsSpan());
        for (var r = 0; r < masks.Count; r++)
        {
            var row = wide.Slice((int)(r * stride / 8), (int)(stride / 8));
            if (masks[r] is not { } m)
            {
                continue;
            }

            var bytes = MemoryMarshal.AsBytes(m.AsSpan());
            var n = Math.Min(bytes.Length, row.Length);
            for (var j = 0; j < n; j++)
            {
                row[j] = Unpacked[bytes[j]];
            }

            row[n..].Fill(AllSet);
        }

        // Staged on the host on purpose: one upload of the unpacked rows, then the narrow copy to the logits' device.
        using var host = torch.tensor(flags, [masks.Count, stride], device: torch.CPU);
        using var narrow = host.narrow(1, 0, width);
        return TensorDevices.On(narrow, device);
    }

    private const ulong AllSet = 0x0101010101010101UL;

    // Byte b of the bitset -> eight bools (little-endian, as every target here is), byte i true when bit i of b is clear (disallowed), in memory order.
    private static readonly ulong[] Unpacked = Enumerable.Range(0, 256).Select(b =>
    {
        ulong v = 0;
        for (var i = 0; i < 8; i++)
        {
            if ((b & (1 << i)) == 0)
            {
                v |= 1UL << (8 * i);
            }
        }

        return v;
    }).ToArray();
}
