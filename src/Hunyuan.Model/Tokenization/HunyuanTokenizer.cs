using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;


namespace Hunyuan.Model.Tokenization;

/// <summary>
/// Hunyuan's tokenizer (hunyuan-spec §5.1): tiktoken byte-level BPE over `hy.tiktoken`, NFC first, cl100k's pre-tokenizer
/// regex except that digits split one by one, then 209 special tokens numbered from the vocabulary's size.
/// Text is always encoded with special tokens disabled: "&lt;|eos|&gt;" typed by a user stays text. Special ids are
/// inserted only by code (the chat template).
/// </summary>
public sealed partial class HunyuanTokenizer
{
    public const string FileName = "hy.tiktoken";

    /// <summary>The reference's regex (tokenization_hy.py): cl100k's with \p{N} instead of \p{N}{1,3}.</summary>
    public const string Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private readonly TiktokenTokenizer _bpe;
    private readonly Dictionary<int, string> _specialById;
    private readonly byte[][] _tokenBytes;

    private HunyuanTokenizer(TiktokenTokenizer bpe, byte[][] tokenBytes, Dictionary<string, int> specials)
    {
        _bpe = bpe;
        _tokenBytes = tokenBytes;
        BaseVocabularySize = tokenBytes.Length;
        Specials = specials;
        _specialById = specials.ToDictionary(p => p.Value, p => p.Key);
    }

    /// <summary>Names of the special tokens in id order, from the vocabulary's size on (tokenization_hy.py L58-72).</summary>
    public static IReadOnlyList<string> SpecialNames { get; } =
        ["<|endoftext|>", "<|startoftext|>", "<|bos|>", "<|eos|>", "<|pad|>", .. Enumerable.Range(0, 204).Select(i => $"<|extra_{i}|>")];

    public int BaseVocabularySize { get; }

    /// <summary>Base tokens plus the 209 specials (128,166 for the real tokenizer).</summary>
    public int VocabularySize => BaseVocabularySize + SpecialNames.Count;

    public IReadOnlyDictionary<string, int> Specials { get; }

    public int EndOfText => Specials["<|endoftext|>"];

    public int StartOfText => Specials["<|startoftext|>"];

    public int Eos => Specials["<|eos|>"];

    public int Pad => Specials["<|pad|>"];

    public int Extra(int n) => Specials[$"<|extra_{n}|>"];

    /// <summary>What generation stops on: &lt;|eos|&gt; and &lt;|extra_5|&gt; (generation_config.json) and &lt;|endoftext|&gt; (vLLM's tokenizer eos).</summary>
    public IReadOnlyList<int> StopIds => [Eos, Extra(5), EndOfText];

    public static bool Exists(string modelDirectory) => File.Exists(Path.Combine(modelDirectory, FileName));

    public static HunyuanTokenizer Load(string modelDirectory)
    {
        var path = Path.Combine(modelDirectory, FileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no tokenizer ({FileName}) in the model directory", path);
        }

        using var stream = File.OpenRead(path);
        return FromTiktoken(stream, path);
    }

    /// <summary>Reads a .tiktoken stream ("base64 rank" lines); the specials are numbered from its line count.</summary>
    public static HunyuanTokenizer FromTiktoken(Stream stream, string source)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var lines = new List<string>();
        foreach (var line in Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length).Split('\n'))
        {
            // Microsoft.ML.Tokenizers' own data files start with a "Capacity: N" line; it is not a token.
            if (line.Trim().Length > 0 && !line.StartsWith("Capacity:", StringComparison.Ordinal))
            {
                lines.Add(line.Trim());
            }
        }

        var count = lines.Count;

        if (count < 256)
        {
            throw new InvalidDataException($"{source}: {count} tokens; a byte-level vocabulary needs at least the 256 single bytes");
        }

        var specials = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < SpecialNames.Count; i++)
        {
            specials[SpecialNames[i]] = count + i;
        }

        buffer.Position = 0;
        var bpe = TiktokenTokenizer.Create(buffer, new RegexPreTokenizer(HunyuanRegex(), null), normalizer: null, specials);
        return new HunyuanTokenizer(bpe, TokenBytesByRank(lines, source), specials);
    }

    /// <summary>
    /// The bytes a base id stands for (byte-level BPE: possibly part of a UTF-8 character), or empty for a special id
    /// or one past the vocabulary. Structured output walks these, since decoded text cannot show a partial character.
    /// </summary>
    public ReadOnlySpan<byte> TokenBytes(int id) => id >= 0 && id < _tokenBytes.Length ? _tokenBytes[id] : [];

    private static byte[][] TokenBytesByRank(List<string> lines, string source)
    {
        var bytes = new byte[lines.Count][];
        for (var i = 0; i < lines.Count; i++)
        {
            // "base64 rank", or just "base64" with the rank implied by the line (Microsoft.ML.Tokenizers' data files).
            var parts = lines[i].Split(' ');
            var rank = i;
            if (parts.Length > 2 || (parts.Length == 2 && !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out rank))
                || rank >= bytes.Length || bytes[rank] is not null)
            {
                throw new InvalidDataException($"{source}: '{lines[i]}' is not a \"base64 rank\" line with a unique rank below {bytes.Length}");
            }

            bytes[rank] = Convert.FromBase64String(parts[0]);
        }

        return bytes;
    }

    /// <summary>Encodes text as text: never a special id, whatever the text contains.</summary>
    public int[] Encode(string text) => text.Length == 0
        ? []
        : _bpe.EncodeToIds(text.Normalize(NormalizationForm.FormC), considerPreTokenization: true, considerNormalization: false).ToArray();

    /// <summary>Decodes ids; specials are dropped unless asked for (the reference's skip_special_tokens); ids past the vocabulary are dropped.</summary>
    public string Decode(IEnumerable<int> ids, bool includeSpecials = false)
    {
        var sb = new StringBuilder();
        var run = new List<int>();
        foreach (var id in ids)
        {
            if (id >= BaseVocabularySize)
            {
                Flush();
                if (includeSpecials && _specialById.TryGetValue(id, out var name))
                {
                    sb.Append(name);
                }

                continue;
            }

            if (id >= 0)
            {
                run.Add(id);
            }
        }

        Flush();
        return sb.ToString();

        void Flush()
        {
            if (run.Count > 0)
            {
                sb.Append(_bpe.Decode(run));
                run.Clear();
            }
        }
    }

    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant)]
    private static partial Regex HunyuanRegex();
}
