namespace Hunyuan.Engine.DataPlane;

/// <summary>One received frame: its kind and its payload (owned by the receiver).</summary>
public readonly record struct Frame(FrameKind Kind, byte[] Payload);
