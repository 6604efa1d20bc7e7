using Hunyuan.Model.SafeTensors;
using TorchSharp;

namespace Hunyuan.Model.Tests.TestSupport;

/// <summary>Copies a fixture into a temp directory and rewrites one of its safetensors files, to make a bad checkpoint.</summary>
public static class CheckpointSurgery
{
    public static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.EnumerateFiles(from))
        {
            var dest = Path.Combine(to, Path.GetFileName(f));
            File.Copy(f, dest);
            File.SetAttributes(dest, FileAttributes.Normal);
        }
    }

    /// <summary>Rewrites <paramref name="file"/> with each tensor passed through <paramref name="edit"/> (null drops it).</summary>
    public static void Rewrite(string file, Func<string, torch.Tensor, torch.Tensor?> edit)
    {
        var kept = new List<KeyValuePair<string, torch.Tensor>>();
        using (var st = SafeTensorsFile.Open(file))
        {
            foreach (var info in st.Tensors.OrderBy(t => t.DataStart))
            {
                var t = st.Read(info);
                var edited = edit(info.Name, t);
                if (edited is not null)
                {
                    kept.Add(new(info.Name, edited));
                }
            }
        }

        SafeTensorsWriter.Write(file, kept);
        foreach (var t in kept)
        {
            t.Value.Dispose();
        }
    }
}
