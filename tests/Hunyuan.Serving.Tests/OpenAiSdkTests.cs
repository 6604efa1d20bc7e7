using System.ClientModel;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Models;

namespace Hunyuan.Serving.Tests;

/// <summary>The official OpenAI .NET SDK against the served tiny model.</summary>
public sealed class OpenAiSdkTests(ServedTinyModel served) : IClassFixture<ServedTinyModel>
{
    private OpenAIClientOptions Options => new() { Endpoint = new Uri(served.BaseAddress, "/v1") };

    private ChatClient Chat => new("tiny", new ApiKeyCredential("unused"), Options);

    [Fact]
    public async Task ChatCompletion()
    {
        var completion = (await Chat.CompleteChatAsync(
            [new SystemChatMessage("You are a helpful assistant."), new UserChatMessage("Hello there")],
            new ChatCompletionOptions { MaxOutputTokenCount = 8, Temperature = 0 })).Value;
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.Contains(completion.FinishReason, new[] { ChatFinishReason.Stop, ChatFinishReason.Length });
        Assert.NotNull(completion.Usage);
        Assert.True(completion.Usage.InputTokenCount > 5);
        Assert.InRange(completion.Usage.OutputTokenCount, 1, 8);
        Assert.Equal("tiny", completion.Model);
    }

    [Fact]
    public async Task ChatStreaming()
    {
        var updates = new List<StreamingChatCompletionUpdate>();
        await foreach (var u in Chat.CompleteChatStreamingAsync([new UserChatMessage("Stream please")], new ChatCompletionOptions { MaxOutputTokenCount = 6, Temperature = 0.7f, TopP = 0.9f }))
        {
            updates.Add(u);
        }

        Assert.True(updates.Count >= 2);
        Assert.Contains(updates, u => u.FinishReason is not null);
        var usage = updates.Last(u => u.Usage is not null).Usage;
        Assert.InRange(usage.OutputTokenCount, 1, 6);
    }

    [Fact]
    public async Task GreedyIsDeterministicAndSeededSamplingReproducible()
    {
        var greedy = new ChatCompletionOptions { MaxOutputTokenCount = 10, Temperature = 0 };
        var a = (await Chat.CompleteChatAsync([new UserChatMessage("same")], greedy)).Value;
        var b = (await Chat.CompleteChatAsync([new UserChatMessage("same")], greedy)).Value;
        Assert.Equal(a.Content.Count > 0 ? a.Content[0].Text : "", b.Content.Count > 0 ? b.Content[0].Text : "");
        Assert.Equal(a.Usage.OutputTokenCount, b.Usage.OutputTokenCount);

#pragma warning disable OPENAI001 // Seed is marked experimental in the SDK
        var seeded = new ChatCompletionOptions { MaxOutputTokenCount = 10, Temperature = 1, Seed = 1234 };
#pragma warning restore OPENAI001
        var c = (await Chat.CompleteChatAsync([new UserChatMessage("same")], seeded)).Value;
        var d = (await Chat.CompleteChatAsync([new UserChatMessage("same")], seeded)).Value;
        Assert.Equal(c.Usage.OutputTokenCount, d.Usage.OutputTokenCount);
        Assert.Equal(c.Content.Count > 0 ? c.Content[0].Text : "", d.Content.Count > 0 ? d.Content[0].Text : "");
    }

    [Fact]
    public async Task Models()
    {
        var models = (await new OpenAIModelClient(new ApiKeyCredential("unused"), Options).GetModelsAsync()).Value;
        Assert.Contains(models, m => m.Id == "tiny");
    }
}
