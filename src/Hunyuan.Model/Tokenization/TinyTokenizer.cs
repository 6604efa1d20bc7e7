using System.Text;

namespace Hunyuan.Model.Tokenization;

/// <summary>
/// A small tokenizer in Hunyuan's format for the random models `hyc model init-tiny` makes: the 256 single bytes,
/// 47 common English merges, then the 209 specials, which is 512 ids: exactly the tiny model's vocabulary (larger
/// vocabularies keep the rest as padding rows, as the real model's 129,024 rows do past its 128,166 ids). With it the
/// whole serving path runs without the real checkpoint.
/// </summary>
public static class TinyTokenizer
{
    /// <summary>Each is reachable by merging earlier tokens, so byte-level BPE can produce it.</summary>
    private static readonly string[] Merges =
    [
        " t", " a", "he", "in", " th", "er", "on", "re", " s", "at", "en", " w", "nd", "or", "es", " o", "ed", "it",
        "is", " c", "an", "ing", "ou", " b", " f", " the", " p", "ar", "al", "as", " m", "le", " h", "ic", "ion",
        " d", "om", " l", " in", "ro", "st", " and", " g", "ent", " n", "ly", " to",
    ];

    public static int RequiredVocabulary => 256 + Merges.Length + HunyuanTokenizer.SpecialNames.Count;

    public static string Contents()
    {
        var sb = new StringBuilder();
        var rank = 0;
        for (var b = 0; b < 256; b++)
        {
            sb.Append(Convert.ToBase64String([(byte)b])).Append(' ').Append(rank++).Append('\n');
        }

        foreach (var m in Merges)
        {
            sb.Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(m))).Append(' ').Append(rank++).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>Writes hy.tiktoken into a model directory whose vocabulary can hold it; returns false when it cannot.</summary>
    public static bool TryWrite(string modelDirectory, int vocabSize)
    {
        if (vocabSize < RequiredVocabulary)
        {
            return false;
        }

        File.WriteAllText(Path.Combine(modelDirectory, HunyuanTokenizer.FileName), Contents());
        return true;
    }
}
