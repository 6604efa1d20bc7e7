namespace Hunyuan.Engine.DataPlane;

/// <summary>The data plane cannot carry steps (a rank unreachable, a connection lost, the lease taken over).</summary>
public class DataPlaneException(string message, Exception? inner = null) : Exception(message, inner);
