namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// The first frame of a connection: the deployment, its epoch (unique per deploy), the target rank, the deployment's
/// data token (a secret handed out through the control plane), and for drivers the lease epoch they hold.
/// </summary>
public sealed record DataPlaneHello(DataPlaneRole Role, string Deployment, string Epoch, int Rank, string Token, long Lease = 0, int FromRank = -1)
{
    internal ReadOnlyMemory<byte> Encode() => new WireWriter()
        .U32(DataPlaneProtocol.Magic).I32(DataPlaneProtocol.Version).U8((byte)Role).Str(Deployment).Str(Epoch).I32(Rank).Str(Token).I64(Lease).I32(FromRank)
        .Written;

    internal static DataPlaneHello Decode(ReadOnlySpan<byte> payload)
    {
        var r = new WireReader(payload);
        if (r.U32() != DataPlaneProtocol.Magic)
        {
            throw new InvalidDataException("not a data-plane client (bad magic)");
        }

        var version = r.I32();
        if (version != DataPlaneProtocol.Version)
        {
            throw new InvalidDataException($"data-plane protocol version {version}; this rank speaks {DataPlaneProtocol.Version}");
        }

        var role = (DataPlaneRole)r.U8();
        if (role is not DataPlaneRole.Driver and not DataPlaneRole.Peer and not DataPlaneRole.TensorPeer)
        {
            throw new InvalidDataException($"unknown data-plane role {(byte)role}");
        }

        var hello = new DataPlaneHello(role, r.Str(), r.Str(), r.I32(), r.Str(), r.I64(), r.I32());
        r.End();
        return hello;
    }

    /// <summary>What a log or an error may show: everything but the token.</summary>
    public override string ToString() => $"{Role} for {Deployment} rank {Rank} (epoch {Epoch}, lease {Lease}, from rank {FromRank})";
}
