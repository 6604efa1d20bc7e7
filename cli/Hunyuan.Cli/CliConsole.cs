using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Hunyuan.Cli;

/// <summary>
/// Where commands write: machine-readable JSON to <see cref="Out"/> (stdout), everything for humans (progress,
/// tables, errors) to <see cref="Error"/> (stderr), so `--json` output can be piped.
/// </summary>
internal sealed class CliConsole(TextWriter output, TextWriter error)
{
    public static CliConsole System { get; } = new(Console.Out, Console.Error);

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    public void Json<T>(T value, JsonTypeInfo<T> typeInfo) => Out.WriteLine(JsonSerializer.Serialize(value, typeInfo));

    public void Human(string line) => Error.WriteLine(line);

    public int Fail(int exitCode, string message)
    {
        Error.WriteLine($"error: {message}");
        return exitCode;
    }
}
