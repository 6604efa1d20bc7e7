using System.Reflection;
using Hunyuan.Model.Tokenization;
using Microsoft.ML.Tokenizers;

namespace Hunyuan.Model.Tests.Tokenization;

/// <summary>
/// Hunyuan's hy.tiktoken is cl100k_base's 100,256 ranks plus about 27.7K more (hunyuan-spec §5.1); the real file is
/// not here, so these tests load cl100k_base's own file (shipped by Microsoft.ML.Tokenizers.Data.Cl100kBase) through
/// our loader: ids must equal OpenAI's cl100k ids except where Hunyuan's regex splits digits one by one.
/// </summary>
public sealed class HunyuanTokenizerTests
{
    private static readonly Lazy<HunyuanTokenizer> Cl100kBased = new(() =>
    {
        var asm = Assembly.Load("Microsoft.ML.Tokenizers.Data.Cl100kBase");
        var name = asm.GetManifestResourceNames().Single(n => n.Contains("cl100k", StringComparison.OrdinalIgnoreCase));
        using var stream = asm.GetManifestResourceStream(name)!;
        return HunyuanTokenizer.FromTiktoken(Decompress(name, stream), name);
    });

    private static readonly Lazy<TiktokenTokenizer> OpenAiCl100k = new(() => TiktokenTokenizer.CreateForEncoding("cl100k_base"));

    [Theory]
    [InlineData("Hello, world!")]
    [InlineData("The quick brown fox jumps over the lazy dog.")]
    [InlineData("def f(x):\n    return x\n")]
    public void TextWithoutDigitsGetsOpenAisCl100kIds(string text) =>
        Assert.Equal(OpenAiCl100k.Value.EncodeToIds(text), Cl100kBased.Value.Encode(text));

    [Fact]
    public void KnownIdsFromTheSpec()
    {
        Assert.Equal([9906], Cl100kBased.Value.Encode("Hello"));
        Assert.Equal([1917], Cl100kBased.Value.Encode(" world"));
        Assert.Equal([0], Cl100kBased.Value.Encode("!"));
        Assert.Equal([198], Cl100kBased.Value.Encode("\n"));
    }

    [Fact]
    public void DigitsSplitOneByOne()
    {
        var ids = Cl100kBased.Value.Encode("2024");
        Assert.Equal(4, ids.Length);
        Assert.Equal(["2", "0", "2", "4"], ids.Select(i => Cl100kBased.Value.Decode([i])));
        Assert.True(OpenAiCl100k.Value.EncodeToIds("2024").Count < 4, "cl100k itself groups up to 3 digits");
    }

    [Theory]
    [InlineData("请按面积大小对四大洋进行排序，并给出面积最小的洋是哪一个？直接输出结果。")]
    [InlineData("混元大模型 Hunyuan-Large 🚀")]
    public void ChineseAndEmojiRoundTrip(string text)
    {
        var t = Cl100kBased.Value;
        Assert.Equal(text, t.Decode(t.Encode(text)));
    }

    [Fact]
    public void TextIsNfcNormalisedFirst()
    {
        var t = Cl100kBased.Value;
        Assert.Equal(t.Encode("caf\u00e9"), t.Encode("cafe\u0301"));
    }

    [Fact]
    public void SpecialsAreNumberedFromTheVocabularySize()
    {
        var t = Cl100kBased.Value;
        Assert.Equal(100_256, t.BaseVocabularySize);
        Assert.Equal(100_256, t.EndOfText);
        Assert.Equal(100_257, t.StartOfText);
        Assert.Equal(100_259, t.Eos);
        Assert.Equal(100_261, t.Extra(0));
        Assert.Equal(100_265, t.Extra(4));
        Assert.Equal(100_266, t.Extra(5));
        Assert.Equal(100_256 + 209, t.VocabularySize);
    }

    [Fact]
    public void WithTheRealVocabularySizeTheSpecialIdsAreTheReferences()
    {
        // The real hy.tiktoken has 127,957 lines; build a stand-in of that length to check the numbering.
        var lines = string.Concat(Enumerable.Range(0, 127_957).Select(i => $"{Convert.ToBase64String(BitConverter.GetBytes(i))} {i}\n"));
        var t = HunyuanTokenizer.FromTiktoken(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(lines)), "stand-in");
        Assert.Equal((127957, 127958, 127960, 127961, 127962, 127966, 127967), (t.EndOfText, t.StartOfText, t.Eos, t.Pad, t.Extra(0), t.Extra(4), t.Extra(5)));
        Assert.Equal([127960, 127967, 127957], t.StopIds);
        Assert.Equal(128_166, t.VocabularySize);
    }

    [Fact]
    public void SpecialTokenTextInUserContentStaysText()
    {
        var t = Cl100kBased.Value;
        var ids = t.Encode("stop here <|eos|> and <|extra_0|> too");
        Assert.DoesNotContain(t.Eos, ids);
        Assert.DoesNotContain(t.Extra(0), ids);
        Assert.All(ids, id => Assert.True(id < t.BaseVocabularySize));
        Assert.Equal("stop here <|eos|> and <|extra_0|> too", t.Decode(ids));
    }

    [Fact]
    public void TheTinyTokenizerFitsTheTinyVocabulary()
    {
        var t = HunyuanTokenizer.FromTiktoken(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(TinyTokenizer.Contents())), "tiny");
        Assert.Equal(512, t.VocabularySize);
        Assert.Equal(303, t.EndOfText);
        var ids = t.Encode("the cat in the hat and the dog");
        Assert.Contains(ids, id => id > 255);
        Assert.Equal("the cat in the hat and the dog", t.Decode(ids));
    }

    [Fact]
    public void TokenBytesAreWhatEachIdDecodesTo()
    {
        var t = Cl100kBased.Value;
        Assert.Equal("Hello"u8.ToArray(), t.TokenBytes(9906).ToArray());
        Assert.Equal(" world"u8.ToArray(), t.TokenBytes(1917).ToArray());
        Assert.True(t.TokenBytes(t.Eos).IsEmpty, "a special id has no bytes");
        Assert.True(t.TokenBytes(t.VocabularySize).IsEmpty);

        // Every id's bytes concatenate to the text of any encoding: the ids of a mixed-script text, joined, are its UTF-8.
        const string text = "混元 Hunyuan-Large 🚀, \"quoted\"\n\t2024";
        var ids = t.Encode(text);
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(text), ids.SelectMany(i => t.TokenBytes(i).ToArray()).ToArray());
        Assert.Contains(ids, i => System.Text.Encoding.UTF8.GetString(t.TokenBytes(i)).Contains('\uFFFD', StringComparison.Ordinal));
    }

    private static Stream Decompress(string name, Stream stream)
    {
        if (!name.EndsWith(".deflate", StringComparison.OrdinalIgnoreCase))
        {
            return stream;
        }

        var output = new MemoryStream();
        using (var deflate = new System.IO.Compression.DeflateStream(stream, System.IO.Compression.CompressionMode.Decompress))
        {
            deflate.CopyTo(output);
        }

        output.Position = 0;
        return output;
    }
}
