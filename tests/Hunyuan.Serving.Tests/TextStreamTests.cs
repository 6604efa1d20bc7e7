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
}
