using System.Runtime.InteropServices;
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
    /// Bool [rows, <paramref name="width"/>] on <paramref name="device"/>, true where a row may choose the id, or null
    /// when no row has a mask. Only the packed bits cross to the device (vocab/8 bytes a row), unpacked there; ids past
    /// a row's bitset are disallowed, and a row without one allows everything.
    /// </summary>
    public static torch.Tensor? Allowed(IReadOnlyList<ulong[]?> masks, long width, torch.Device device)
    {
        if (masks.All(m => m is null))
        {
            return null;
        }

        var words = (int)((width + 63) / 64);
        var packed = new ulong[masks.Count * words];
        for (var r = 0; r < masks.Count; r++)
        {
            var row = packed.AsSpan(r * words, words);
            if (masks[r] is { } m)
            {
                m.AsSpan(0, Math.Min(m.Length, words)).CopyTo(row);
            }
            else
            {
                row.Fill(ulong.MaxValue);
            }
        }

        using var scope = torch.NewDisposeScope();
        // Little-endian words as bytes: bit b of byte j is id 8j + b, the same order the words give.
        var bytes = MemoryMarshal.AsBytes(packed.AsSpan()).ToArray();
        var onDevice = torch.tensor(bytes, dtype: torch.ScalarType.Byte).reshape(masks.Count, words * 8).to(device);
        var shifts = torch.arange(8, dtype: torch.ScalarType.Byte, device: device);
        var bits = onDevice.unsqueeze(2).bitwise_right_shift(shifts).bitwise_and(torch.tensor((byte)1, device: device));
        return bits.reshape(masks.Count, words * 64L).narrow(1, 0, width).to(torch.ScalarType.Bool).MoveToOuterDisposeScope();
    }
}
