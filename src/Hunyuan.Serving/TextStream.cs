using Hunyuan.Model.Tokenization;

namespace Hunyuan.Serving;

/// <summary>
/// Turns generated ids into text deltas: decodes the whole output each time (so multi-byte characters split across
/// tokens come out whole), holds back what could be the start of a stop string, and cuts the text at a stop string.
/// </summary>
internal sealed class TextStream(HunyuanTokenizer tokenizer, IReadOnlyList<string> stops)
{
    private readonly List<int> _ids = [];
    private readonly int _holdBack = stops.Count == 0 ? 0 : stops.Max(s => s.Length) - 1;
    private int _emitted;

    public string Text { get; private set; } = "";

    public bool StoppedByString { get; private set; }

    /// <summary>Adds a token; returns the text that may be sent now.</summary>
    public string Add(long token)
    {
        _ids.Add((int)token);
        var text = tokenizer.Decode(_ids);
        if (text.EndsWith('\uFFFD'))
        {
            return "";   // an incomplete UTF-8 sequence; wait for the next token
        }

        foreach (var stop in stops)
        {
            var at = text.IndexOf(stop, Math.Max(0, _emitted - stop.Length), StringComparison.Ordinal);
            if (at >= 0)
            {
                Text = text[..at];
                StoppedByString = true;
                return Flush();
            }
        }

        Text = text;
        var safe = Math.Max(_emitted, text.Length - _holdBack);
        var delta = text[_emitted..safe];
        _emitted = safe;
        return delta;
    }

    /// <summary>The rest of the text (at the end of generation).</summary>
    public string Flush()
    {
        var delta = _emitted < Text.Length ? Text[_emitted..] : "";
        _emitted = Math.Max(_emitted, Text.Length);
        return delta;
    }
}
