namespace Hunyuan.Provisioning.Agents;

/// <summary>
/// The native files the libtorch packages put beside hyc (libtorch-cpu-linux-x64, and the CUDA one with its CUDA
/// libraries), which an agent bundle leaves out when the hosts have a libtorch of their own. TorchSharp's own
/// libLibTorchSharp.so and the Debian 12 shim beside it (tools/torchfix) are not libtorch and stay.
/// </summary>
public static class LibTorchFiles
{
    private static readonly string[] Prefixes =
    [
        "libtorch", "libc10", "libgomp", "libshm", "libaoti_custom_ops", "libbackend_with_compiler", "libjitbackend_test",
        "libnnapi_backend", "libcaffe2_", "libcu", "libnv", "libnccl",
    ];

    private static readonly string[] TorchSharpOwn = ["libLibTorchSharp", "libtorchsharp_"];

    /// <summary>True for a libtorch native file name (no directory), such as libtorch_cpu.so or libgomp-98b21ff3.so.1.</summary>
    public static bool IsLibTorchNative(string fileName) =>
        fileName.Contains(".so", StringComparison.Ordinal)
        && !TorchSharpOwn.Any(p => fileName.StartsWith(p, StringComparison.Ordinal))
        && Prefixes.Any(p => fileName.StartsWith(p, StringComparison.Ordinal));
}
