namespace Hunyuan.Cluster.State;

/// <summary>State files: written whole (temp file, then rename) and created 0600, so no reader sees half a file or another user any.</summary>
public static class PrivateFile
{
    public static void Write(string path, string contents)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tmp = path + ".tmp";
        File.Delete(tmp);
        using (var stream = new FileStream(tmp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(contents);
        }

        File.Move(tmp, path, overwrite: true);
    }
}
