namespace Hunyuan.Model.Native;

/// <summary>A libtorch directory refused, or one that failed to load; the message is one line naming the path and the cause.</summary>
public sealed class LibTorchException(string message) : Exception(message);
