using Hunyuan.Engine.Collectives.Nccl;
using TorchSharp;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// What an NCCL stage link's sender writes on the TCP link before each ncclSend: the step, the activations' dtype and
/// shape, and the link generation (which communicator carries them). 24 bytes; the tensor's bytes follow by NCCL.
/// </summary>
internal readonly record struct ActivationNotice(long StepId, torch.ScalarType DType, int Rows, int Columns, int Generation)
{
    public const int Bytes = 8 + 4 + 4 + 4 + 4;

    public ReadOnlyMemory<byte> Encode() => new WireWriter().I64(StepId).I32((int)DType).I32(Rows).I32(Columns).I32(Generation).Written;

    public static ActivationNotice Decode(byte[] payload)
    {
        var r = new WireReader(payload);
        var notice = new ActivationNotice(r.I64(), (torch.ScalarType)r.I32(), r.I32(), r.I32(), r.I32());
        r.End();
        return notice;
    }

    /// <summary>
    /// Why this rank refuses the notice, or null: the same bounds a socket link's activations get (rows up to the step
    /// limit, columns the hidden size), and a dtype NCCL carries here. Checked before anything is allocated.
    /// </summary>
    public string? Refusal(long hiddenSize, long maxRows, string peer)
    {
        var what = $"{peer} announced step {StepId} activations of [{Rows}, {Columns}] {NcclDataTypes.Name(DType)}";
        if (!NcclDataTypes.TryFor(DType, out _))
        {
            return $"{what}: not a dtype an NCCL stage link carries (float16, float32, bfloat16, float8_e4m3fn)";
        }

        if (Columns != hiddenSize)
        {
            return $"{what}; this rank expects [rows, {hiddenSize}]";
        }

        if (Rows <= 0 || Rows > maxRows)
        {
            return $"{what}; a step has 1 to {maxRows} rows";
        }

        return Generation <= 0 ? $"{what} on link generation {Generation}; generations start at 1" : null;
    }
}
