namespace Hunyuan.Engine.Security;

/// <summary>What a peer's certificate must be good for: the side of the connection the peer is on.</summary>
public enum PeerRole
{
    /// <summary>The peer accepted our connection: its certificate must allow server authentication.</summary>
    Server,

    /// <summary>The peer connected to us: its certificate must allow client authentication.</summary>
    Client,
}
