using System.Globalization;
using System.Net;
using System.Text.Json;
using Hunyuan.Cli.Tests.TestSupport;
using Hunyuan.Model.SafeTensors;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Serving.Tests;
using Hunyuan.Serving.Tests.TestSupport;
using TorchSharp;

namespace Hunyuan.Cli.Tests.Commands.Model;

/// <summary>
/// The endpoint's logprobs are the model's own distribution (issue 16 item 1): for a greedy request the chosen token
/// leads its top logprobs, and every value equals the log-softmax of `hyc model run --logits-out` at that position,
/// for the same ids, within 1e-3 (float32), for chat and for completions.
/// </summary>
public sealed class LogitsOutLogprobsTests(ServedTinyModel served) : IClassFixture<ServedTinyModel>
{
    private const int Top = 5;

    private HttpClient Http => new() { BaseAddress = served.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };

    [Fact]
    public async Task GreedyCompletionLogprobsAreTheLogSoftmaxOfLogitsOut()
    {
        long[] prompt = [7, 21, 99, 4, 150, 33];
        var (status, json, _) = await JsonHttp.PostAsync(Http, "/v1/completions",
            $$"""{"prompt": [{{string.Join(",", prompt)}}], "max_tokens": 6, "temperature": 0, "ignore_eos": true, "logprobs": {{Top}}, "return_tokens_as_token_ids": true}""");
        Assert.Equal(HttpStatusCode.OK, status);
        var lp = json.GetProperty("choices")[0].GetProperty("logprobs");
        var chosen = lp.GetProperty("tokens").EnumerateArray().Select(t => Id(t.GetString()!)).ToArray();
        var values = lp.GetProperty("token_logprobs").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var tops = lp.GetProperty("top_logprobs").EnumerateArray()
            .Select(t => t.EnumerateObject().Select(p => (Id: Id(p.Name), Value: p.Value.GetDouble())).ToArray()).ToArray();

        await AssertAgainstLogitsOut(prompt, chosen, values, tops);
    }

    [Fact]
    public async Task GreedyChatLogprobsAreTheLogSoftmaxOfLogitsOut()
    {
        const string Messages = """[{"role": "user", "content": "What is the logprob of this?"}]""";
        var (_, tokenized, _) = await JsonHttp.PostAsync(Http, "/tokenize", $$"""{"messages": {{Messages}}}""");
        var prompt = tokenized.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt64()).ToArray();

        var (status, json, _) = await JsonHttp.PostAsync(Http, "/v1/chat/completions",
            $$"""{"messages": {{Messages}}, "max_tokens": 5, "temperature": 0, "ignore_eos": true, "logprobs": true, "top_logprobs": {{Top}}, "return_tokens_as_token_ids": true}""");
        Assert.Equal(HttpStatusCode.OK, status);
        var content = json.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("content").EnumerateArray().ToArray();
        var chosen = content.Select(c => Id(c.GetProperty("token").GetString()!)).ToArray();
        var values = content.Select(c => c.GetProperty("logprob").GetDouble()).ToArray();
        var tops = content.Select(c => c.GetProperty("top_logprobs").EnumerateArray()
            .Select(t => (Id: Id(t.GetProperty("token").GetString()!), Value: t.GetProperty("logprob").GetDouble())).ToArray()).ToArray();

        await AssertAgainstLogitsOut(prompt, chosen, values, tops);
    }

    private async Task AssertAgainstLogitsOut(long[] prompt, long[] chosen, double[] values, (long Id, double Value)[][] tops)
    {
        Assert.NotEmpty(chosen);
        using var dir = new TempDirectory();
        var logitsFile = dir.File("logits.safetensors");
        long[] ids = [.. prompt, .. chosen[..^1]];
        var run = await HycRunner.InProcess("model", "run", served.ModelDirectory, "--ids", string.Join(",", ids), "--generate", "1",
            "--dtype", "float32", "--logits-out", logitsFile);
        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());

        using var file = SafeTensorsFile.Open(logitsFile);
        using var logits = file.Read(file.Get("logits"));
        using var logSoftmax = logits.to(torch.ScalarType.Float64).log_softmax(1);
        var vocab = (int)logSoftmax.shape[1];
        var all = logSoftmax.data<double>().ToArray();
        var tokens = served.Backend.Tokenizer.VocabularySize;   // candidates are real tokens, not the embedding's padding rows
        for (var i = 0; i < chosen.Length; i++)
        {
            var row = all.AsSpan((prompt.Length - 1 + i) * vocab, vocab).ToArray();
            Assert.Equal(chosen[i], tops[i][0].Id);
            Assert.Equal(Top, tops[i].Length);
            Assert.Equal(row[chosen[i]], values[i], 1e-3);
            Assert.Equal(Enumerable.Range(0, Math.Min(vocab, tokens)).OrderByDescending(j => row[j]).Take(Top).Select(j => (long)j), tops[i].Select(t => t.Id));
            Assert.All(tops[i], t => Assert.Equal(row[t.Id], t.Value, 1e-3));
        }
    }

    private static long Id(string token) =>
        token.StartsWith("token_id:", StringComparison.Ordinal) ? long.Parse(token["token_id:".Length..], CultureInfo.InvariantCulture) : throw new InvalidDataException($"'{token}' is not token_id:N");
}
