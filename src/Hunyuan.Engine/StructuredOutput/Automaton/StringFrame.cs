using System.Text.Json;

namespace Hunyuan.Engine.StructuredOutput.Automaton;

/// <summary>
/// Inside a JSON string after its opening quote: characters as strict UTF-8 (no overlong forms, no surrogates, no raw
/// control characters), JSON escapes (\uXXXX only outside the surrogate range, so every string decodes), and at most
/// <see cref="Left"/> more UTF-16 code units when it is not -1 (a character beyond U+FFFF counts two, as .NET's
/// string length does; an escape counts one). A key of a free-form object keeps its raw bytes in <see cref="Key"/>:
/// the closing quote is refused when the decoded key repeats one of the object's.
/// </summary>
internal sealed record StringFrame(int Left, int Pending = 0, byte Lead = 0, int Escape = 0, string? Key = null) : Frame
{
    // Escape: 0 none, 1 after '\', 2..5 the four hex digits of \u, 6 the second hex digit after a leading 'd'.
    public override void Feed(byte b, ParseStack rest, ISet<ParseStack> output)
    {
        var next = Next(b, out var closed);
        if (closed)
        {
            Close(rest, output);
        }
        else if (next is not null)
        {
            output.Add(rest.Push(Key is null ? next : next with { Key = Key + (char)b }));
        }
    }

    private StringFrame? Next(byte b, out bool closed)
    {
        closed = false;
        switch (Escape)
        {
            case 1:
                return b is (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t'
                    ? this with { Escape = 0 }
                    : b == 'u' ? this with { Escape = 2 } : null;
            case 2:
                return !IsHex(b) ? null : this with { Escape = b is (byte)'d' or (byte)'D' ? 6 : 3 };
            case 6:
                return b is >= (byte)'0' and <= (byte)'7' ? this with { Escape = 4 } : null;
            case 3:
            case 4:
                return IsHex(b) ? this with { Escape = Escape + 1 } : null;
            case 5:
                return IsHex(b) ? this with { Escape = 0 } : null;
        }

        if (Pending > 0)
        {
            var (low, high) = Lead switch
            {
                0xE0 => (0xA0, 0xBF),
                0xED => (0x80, 0x9F),
                0xF0 => (0x90, 0xBF),
                0xF4 => (0x80, 0x8F),
                _ => (0x80, 0xBF),
            };
            return b >= low && b <= high ? this with { Pending = Pending - 1, Lead = 0 } : null;
        }

        if (b == '"')
        {
            closed = true;
            return null;
        }

        var units = b switch
        {
            < 0x20 => 0,
            < 0x80 => 1,
            >= 0xC2 and <= 0xDF => 1,
            >= 0xE0 and <= 0xEF => 1,
            >= 0xF0 and <= 0xF4 => 2,
            _ => 0,
        };
        if (units == 0 || (Left >= 0 && Left < units))
        {
            return null;
        }

        var left = Left < 0 ? -1 : Left - units;
        return b switch
        {
            (byte)'\\' => this with { Left = left, Escape = 1 },
            < 0x80 => this with { Left = left },
            <= 0xDF => this with { Left = left, Pending = 1, Lead = b },
            <= 0xEF => this with { Left = left, Pending = 2, Lead = b },
            _ => this with { Left = left, Pending = 3, Lead = b },
        };
    }

    private void Close(ParseStack rest, ISet<ParseStack> output)
    {
        if (Key is null)
        {
            output.Add(rest);
            return;
        }

        // A key's string sits on its object's frame, which records the key so it cannot come again.
        var owner = (ObjectFrame)rest.Top!;
        var key = Decode(Key);
        if (!owner.HasKey(key))
        {
            output.Add(rest.Rest!.Push(owner with { Keys = new KeyList(key, owner.Keys) }));
        }
    }

    private static string Decode(string raw)
    {
        var bytes = new byte[raw.Length + 2];
        bytes[0] = (byte)'"';
        for (var i = 0; i < raw.Length; i++)
        {
            bytes[i + 1] = (byte)raw[i];
        }

        bytes[^1] = (byte)'"';
        return JsonSerializer.Deserialize<string>(bytes)!;
    }

    private static bool IsHex(byte b) => b is (>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f') or (>= (byte)'A' and <= (byte)'F');
}
