using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace Hunyuan.Cluster.Logs;

/// <summary>
/// Writes a debug bundle: one tar.gz of text entries, every one passed through the redactor; created 0600 beside its
/// final name and renamed into place only when complete, so a failed run leaves no half bundle.
/// </summary>
public sealed class DebugBundleWriter(SecretRedactor redactor)
{
    private readonly List<(string Name, string Text)> _entries = [];

    public IReadOnlyList<string> Names => _entries.Select(e => e.Name).ToList();

    public void Add(string name, string text) => _entries.Add((name, text));

    public async Task WriteAsync(string path, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = full + ".partial";
        File.Delete(tmp);
        try
        {
            await using (var file = new FileStream(tmp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
            await using (var gzip = new GZipStream(file, CompressionLevel.Optimal))
            await using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: false))
            {
                var root = Path.GetFileNameWithoutExtension(Path.GetFileNameWithoutExtension(full));
                foreach (var (name, text) in _entries)
                {
                    var bytes = Encoding.UTF8.GetBytes(redactor.Redact(text));
                    var entry = new PaxTarEntry(TarEntryType.RegularFile, $"{root}/{name}")
                    {
                        DataStream = new MemoryStream(bytes),
                        Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                        ModificationTime = DateTimeOffset.UtcNow,
                    };
                    await tar.WriteEntryAsync(entry, cancellationToken);
                }
            }

            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            File.Delete(tmp);
        }
    }
}
