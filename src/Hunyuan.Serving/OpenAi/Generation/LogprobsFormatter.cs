using System.Text;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Tokenization;
using Hunyuan.Serving.OpenAi.Responses;

namespace Hunyuan.Serving.OpenAi.Generation;

/// <summary>
/// Generated tokens' logprobs in OpenAI's two shapes: chat's list of entries (token text, its UTF-8 bytes, top
/// candidates) and completions' parallel arrays with each token's character offset in the choice's text, counted on
/// across a stream's chunks. One per request. With vLLM's return_tokens_as_token_ids a token is named "token_id:N".
/// </summary>
internal sealed class LogprobsFormatter(HunyuanTokenizer tokenizer, bool tokensAsIds = false)
{
    private readonly Dictionary<int, int> _offsets = [];

    public ChatLogprobs Chat(IReadOnlyList<GenerationEvent> tokens) =>
        new(tokens.Where(t => t.Logprobs is not null).Select(t =>
        {
            var lp = t.Logprobs!;
            var (text, bytes) = Piece(t.Token);
            var top = lp.TopIds.Select((id, i) =>
            {
                var (topText, topBytes) = Piece(id);
                return new ChatTopLogprob(topText, lp.TopLogprobs[i], topBytes);
            }).ToArray();
            return new ChatTokenLogprob(text, lp.Logprob, bytes, top);
        }).ToArray());

    /// <param name="index">The choice, whose text offsets continue from its previous chunk.</param>
    /// <param name="tokens">Its tokens since the previous chunk.</param>
    public CompletionLogprobs Completion(int index, IReadOnlyList<GenerationEvent> tokens)
    {
        var offset = _offsets.GetValueOrDefault(index);
        var texts = new List<string>();
        var values = new List<double?>();
        var tops = new List<IReadOnlyDictionary<string, double>?>();
        var offsets = new List<int>();
        foreach (var t in tokens.Where(t => t.Logprobs is not null))
        {
            var lp = t.Logprobs!;
            var text = Piece(t.Token).Text;
            texts.Add(text);
            values.Add(lp.Logprob);
            offsets.Add(offset);
            offset += text.Length;

            // Keyed by text: two ids that read the same keep the likelier, as vLLM's dict does.
            var top = new Dictionary<string, double>(StringComparer.Ordinal);
            for (var i = 0; i < lp.TopIds.Length; i++)
            {
                top.TryAdd(Piece(lp.TopIds[i]).Text, lp.TopLogprobs[i]);
            }

            tops.Add(top);
        }

        _offsets[index] = offset;
        return new CompletionLogprobs(texts, values, tops, offsets);
    }

    // A token on its own: special ids by name; a piece of a multi-byte character reads as U+FFFD, but its bytes are the
    // token's own (what OpenAI's `bytes` is for: a client joins consecutive pieces into the character).
    private (string Text, int[] Bytes) Piece(long id)
    {
        var text = tokensAsIds ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"token_id:{id}") : tokenizer.Decode([(int)id], includeSpecials: true);
        var own = tokenizer.TokenBytes((int)id);
        var bytes = own.IsEmpty ? Encoding.UTF8.GetBytes(text) : own.ToArray();
        return (text, bytes.Select(b => (int)b).ToArray());
    }
}
