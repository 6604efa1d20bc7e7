using Hunyuan.Model.Tokenization;

namespace Hunyuan.Serving.Tests;

public sealed class TextStreamTests
{
    private static readonly HunyuanTokenizer Tiny = HunyuanTokenizer.FromTiktoken(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(TinyTokenizer.Contents())), "tiny");

    private static IEnumerable<long> Ids(string text) => Tiny.Encode(text).Select(i => (long)i);

    [Fact]
    public void AStopStringAcrossTokensCutsTheTextAndIsNeverSent()
    {
        var stream = new TextStream(Tiny, ["STOP"]);
        var sent = "";
        foreach (var id in Ids("the cat sat STOP and more"))
        {
            sent += stream.Add(id);
            if (stream.StoppedByString)
            {
                break;
            }
        }

        sent += stream.Flush();
        Assert.True(stream.StoppedByString);
        Assert.Equal("the cat sat ", sent);
        Assert.Equal("the cat sat ", stream.Text);
    }

    [Fact]
    public void MultiByteCharactersAreSentWhole()
    {
        var stream = new TextStream(Tiny, []);
        var deltas = Ids("海洋").Select(stream.Add).ToList();    // six single-byte tokens for two characters
        Assert.DoesNotContain(deltas, d => d.Contains('\uFFFD', StringComparison.Ordinal));
        Assert.Equal("海洋", string.Concat(deltas) + stream.Flush());
    }

    [Fact]
    public void WithoutStopsTextFlowsAsItComes()
    {
        var stream = new TextStream(Tiny, []);
        var deltas = Ids("and the").Select(stream.Add).ToList();
        Assert.Equal("and the", string.Concat(deltas));
        Assert.Equal("", stream.Flush());
    }

    [Fact]
    public void TheCostPerTokenDoesNotGrowWithTheOutput()
    {
        // A long output with multi-byte characters split across tokens and a stop string spanning tokens at its end.
        var text = string.Concat(Enumerable.Repeat("the cat sat on the mat, 海洋 and the hat; ", 120)) + "END and more";
        var ids = Ids(text).ToList();
        var perAdd = new List<int>();
        var calls = 0;
        var stream = new TextStream(d =>
        {
            calls++;
            perAdd[^1] += d.Count;
            return Tiny.Decode(d);
        }, ["END", "never"]);
        var sent = new System.Text.StringBuilder();
        foreach (var id in ids)
        {
            perAdd.Add(0);
            sent.Append(stream.Add(id));
            if (stream.StoppedByString)
            {
                break;
            }
        }

        sent.Append(stream.Flush());
        Assert.True(ids.Count > 2000, $"{ids.Count} tokens");
        Assert.True(stream.StoppedByString);
        Assert.Equal(text[..text.IndexOf("END", StringComparison.Ordinal)], sent.ToString());
        Assert.Equal(sent.ToString(), stream.Text);

        // Every token decodes at most the few ids of one unfinished character, however long the output is.
        Assert.InRange(perAdd.Max(), 1, TextStream.MaxPendingIds);
        Assert.Equal(perAdd.Count, calls);
        Assert.True(perAdd.Sum() < 2 * perAdd.Count, $"{perAdd.Sum()} ids decoded for {perAdd.Count} tokens");
    }

    [Fact]
    public void TheWindowedTextEqualsTheWholeDecode()
    {
        var text = "héllo 海洋 wörld 🙂 and the 🐳 cat";
        var ids = Ids(text).ToList();
        var stream = new TextStream(Tiny, []);
        var sent = string.Concat(ids.Select(stream.Add)) + stream.Flush();
        Assert.Equal(Tiny.Decode(ids.Select(i => (int)i)), sent);
        Assert.Equal(text, sent);
    }

    [Fact]
    public void AStopStringIsFoundWhereverTheTokensSplitIt()
    {
        foreach (var stop in new[] { "海洋", "at th", "t" })
        {
            var stream = new TextStream(Tiny, [stop]);
            var sent = "";
            foreach (var id in Ids("the cat sat 海洋 at the end"))
            {
                sent += stream.Add(id);
                if (stream.StoppedByString)
                {
                    break;
                }
            }

            sent += stream.Flush();
            Assert.True(stream.StoppedByString, stop);
            Assert.Equal("the cat sat 海洋 at the end"[.."the cat sat 海洋 at the end".IndexOf(stop, StringComparison.Ordinal)], sent);
        }
    }
}
