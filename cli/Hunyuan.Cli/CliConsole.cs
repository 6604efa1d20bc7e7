using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Spectre.Console;

namespace Hunyuan.Cli;

/// <summary>
/// Where commands write: machine-readable JSON to <see cref="Out"/> (stdout), everything for humans (progress,
/// tables, errors) to <see cref="Error"/> (stderr), so `--json` output can be piped. When stderr is a terminal,
/// <see cref="Terminal"/> draws on it (colours, tables, bars, live views); otherwise it is null and everything is plain
/// lines, as scripts, logs and tests read them.
/// </summary>
internal sealed class CliConsole(TextWriter output, TextWriter error, IAnsiConsole? terminal = null)
{
    public static CliConsole System { get; } = new(Console.Out, Console.Error, TerminalOf(Console.Error));

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>Rich output on stderr, or null when stderr is not a terminal.</summary>
    public IAnsiConsole? Terminal { get; } = terminal;

    public void Json<T>(T value, JsonTypeInfo<T> typeInfo) => Out.WriteLine(JsonSerializer.Serialize(value, typeInfo));

    /// <summary>
    /// True while a live view (per-rank bars, status --watch) is drawn: lines then go through <see cref="Terminal"/> so
    /// they land above it; otherwise they are written whole, never wrapped by the renderer, so commands and URLs in
    /// them can be copied.
    /// </summary>
    public bool LiveViewActive { get; set; }

    /// <summary>A line for people.</summary>
    public void Human(string line)
    {
        if (Terminal is { } t && LiveViewActive)
        {
            t.WriteLine(line);
            return;
        }

        Error.WriteLine(line);
    }

    /// <summary>A line with Spectre markup (colours) on a terminal; the same text without markup elsewhere.</summary>
    public void HumanMarkup(string markup)
    {
        if (Terminal is not { } t)
        {
            Error.WriteLine(Markup.Remove(markup));
        }
        else if (LiveViewActive)
        {
            t.MarkupLine(markup);
        }
        else
        {
            _unwrapped ??= Unwrapped(Error);
            _unwrapped.MarkupLine(markup);
        }
    }

    public int Fail(int exitCode, string message)
    {
        HumanMarkup($"[red]error:[/] {Markup.Escape(message)}");
        return exitCode;
    }

    private IAnsiConsole? _unwrapped;

    // Colours without the renderer's line wrapping (it would break a long command or URL into two lines).
    private static IAnsiConsole Unwrapped(TextWriter stderr)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stderr), Ansi = AnsiSupport.Detect, ColorSystem = ColorSystemSupport.Detect });
        console.Profile.Width = int.MaxValue / 4;
        return console;
    }

    // A terminal only when stderr is one (not a pipe or file) and TERM does not say it cannot draw; NO_COLOR is honoured by Spectre.
    private static IAnsiConsole? TerminalOf(TextWriter stderr) =>
        Console.IsErrorRedirected || Environment.GetEnvironmentVariable("TERM") is "dumb"
            ? null
            : AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stderr), Ansi = AnsiSupport.Detect, ColorSystem = ColorSystemSupport.Detect, Interactive = InteractionSupport.Yes });
}
