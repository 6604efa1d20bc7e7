using System.Runtime.InteropServices;

namespace Hunyuan.Model.Native;

/// <summary>
/// Handles to the libtorch libraries this process has already mapped (the build's own, or the tree
/// <see cref="LibTorchLoader"/> loaded), found by file name in /proc/self/maps. TorchSharp loads them with local symbol
/// visibility, so their exports are reachable only through a handle to the very file that was mapped; opening it again
/// by its full path returns that same mapping.
/// </summary>
internal static class LoadedLibTorch
{
    /// <summary>The handle of the mapped library named <paramref name="fileName"/> (libtorch_cpu.so, libtorch_cuda.so); null when none is mapped.</summary>
    public static IntPtr? TryOpen(string fileName)
    {
        var path = MappedPath(fileName);
        return path is not null && NativeLibrary.TryLoad(path, out var handle) ? handle : null;
    }

    private static string? MappedPath(string fileName)
    {
        const string Maps = "/proc/self/maps";
        if (!File.Exists(Maps))
        {
            return null;
        }

        foreach (var line in File.ReadLines(Maps))
        {
            // "address perms offset dev inode path": the path is the sixth field and may itself contain spaces.
            var slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0 && line.EndsWith("/" + fileName, StringComparison.Ordinal))
            {
                return line[slash..];
            }
        }

        return null;
    }
}
