using System.Text;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Model.Tokenization;
using Hunyuan.Serving.OpenAi.Generation;

namespace Hunyuan.Serving.Tests.OpenAi;

/// <summary>A token that is only part of a UTF-8 character shows U+FFFD as its text and its own bytes, which a client joins.</summary>
public sealed class LogprobsFormatterTests
{
    private static readonly HunyuanTokenizer Tiny = HunyuanTokenizer.FromTiktoken(new MemoryStream(Encoding.UTF8.GetBytes(TinyTokenizer.Contents())), "tiny");

    [Fact]
    public void APieceOfACharacterCarriesItsOwnBytes()
    {
        var ids = Tiny.Encode("é€😀").Select(i => (long)i).ToArray();
        var partial = ids.Where(id => Tiny.Decode([(int)id]).Contains('\uFFFD', StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(partial);

        var chat = new LogprobsFormatter(Tiny).Chat(ids.Select(id => new GenerationEvent(id, Logprobs: new TokenLogprobs(-0.5f, [id], [-0.5f]))).ToList());

        Assert.Equal(ids.Length, chat.Content.Count);
        var joined = chat.Content.SelectMany(c => c.Bytes!).Select(b => (byte)b).ToArray();
        Assert.Equal("é€😀", Encoding.UTF8.GetString(joined));
        Assert.Contains(chat.Content, c => c.Token == "\uFFFD" && !c.Bytes!.SequenceEqual(Encoding.UTF8.GetBytes("\uFFFD").Select(b => (int)b)));
    }
}
