using System.Text;
using Hunyuan.Model.Tokenization;

namespace Hunyuan.Serving;

/// <summary>
/// Turns generated ids into text deltas at a cost per token that does not grow with the output. Only the ids not yet
/// turned into text are decoded (a multi-byte character split across tokens waits in them until it is whole; at most
/// <see cref="MaxPendingIds"/>, since a UTF-8 character has at most four bytes); stop strings are searched for only in
/// the text that could hold a new one; what could still be the start of a stop string is held back.
/// </summary>
internal sealed class TextStream
{
    /// <summary>Ids decoded together at most: past this an incomplete character is invalid UTF-8 and goes out as U+FFFD.</summary>
    public const int MaxPendingIds = 4;

    private readonly Func<IReadOnlyList<int>, string> _decode;
    private readonly IReadOnlyList<string> _stops;
    private readonly int _holdBack;
    private readonly List<int> _pending = [];
    private readonly StringBuilder _text = new();
    private int _emitted;

    public TextStream(HunyuanTokenizer tokenizer, IReadOnlyList<string> stops)
        : this(ids => tokenizer.Decode(ids), stops)
    {
    }

    /// <param name="decode">Ids to text (the tokenizer's Decode; a test counts the ids it is given).</param>
    /// <param name="stops">Stop strings, none empty.</param>
    internal TextStream(Func<IReadOnlyList<int>, string> decode, IReadOnlyList<string> stops)
    {
        _decode = decode;
        _stops = stops;
        _holdBack = stops.Count == 0 ? 0 : stops.Max(s => s.Length) - 1;
    }

    /// <summary>All the text so far (cut at a stop string); built on each call, so read it at the end.</summary>
    public string Text => _text.ToString();

    public bool StoppedByString { get; private set; }

    /// <summary>Adds a token; returns the text that may be sent now.</summary>
    public string Add(long token)
    {
        _pending.Add((int)token);
        var piece = _decode(_pending);
        if (piece.EndsWith('\uFFFD') && _pending.Count < MaxPendingIds)
        {
            return "";   // an incomplete UTF-8 sequence; wait for the next token
        }

        _pending.Clear();
        if (piece.Length == 0)
        {
            return "";
        }

        // A stop string that appears now ends in the new piece, so it starts at most holdBack characters before it.
        var searchFrom = Math.Max(_emitted, _text.Length - _holdBack);
        _text.Append(piece);
        if (_stops.Count > 0 && FirstStop(searchFrom) is { } at)
        {
            _text.Length = at;
            StoppedByString = true;
            return Flush();
        }

        var safe = Math.Max(_emitted, _text.Length - _holdBack);
        var delta = _text.ToString(_emitted, safe - _emitted);
        _emitted = safe;
        return delta;
    }

    /// <summary>The rest of the text (at the end of generation); an incomplete last character is dropped.</summary>
    public string Flush()
    {
        var delta = _emitted < _text.Length ? _text.ToString(_emitted, _text.Length - _emitted) : "";
        _emitted = Math.Max(_emitted, _text.Length);
        return delta;
    }

    private int? FirstStop(int from)
    {
        var window = _text.ToString(from, _text.Length - from);
        int? first = null;
        foreach (var stop in _stops)
        {
            var at = window.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (first is null || at < first))
            {
                first = at;
            }
        }

        return first + from;
    }
}
