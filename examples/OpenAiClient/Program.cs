// A C# client of the endpoint with the official OpenAI SDK: one completion, then the same question streamed.
//   dotnet run --project examples/OpenAiClient -- http://127.0.0.1:8000/v1 tiny
using System.ClientModel;
using OpenAI;
using OpenAI.Chat;

var endpoint = new Uri(args.Length > 0 ? args[0] : "http://127.0.0.1:8000/v1");
var model = args.Length > 1 ? args[1] : "tiny";

// The endpoint needs a key only when started with --api-key-env; the SDK always sends one.
var key = Environment.GetEnvironmentVariable("HYC_API_KEY") ?? "none";
var chat = new ChatClient(model, new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = endpoint });

List<ChatMessage> messages =
[
    new SystemChatMessage("You are a helpful assistant."),
    new UserChatMessage("Sort the four oceans by area and name the smallest."),
];
var options = new ChatCompletionOptions { MaxOutputTokenCount = 64, Temperature = 0.7f, TopP = 0.6f };

ChatCompletion completion = await chat.CompleteChatAsync(messages, options);
Console.WriteLine($"[{completion.FinishReason}, {completion.Usage.InputTokenCount} prompt + {completion.Usage.OutputTokenCount} completion tokens]");
Console.WriteLine(completion.Content.Count > 0 ? completion.Content[0].Text : "");

await foreach (var update in chat.CompleteChatStreamingAsync(messages, options))
{
    foreach (var part in update.ContentUpdate)
    {
        Console.Write(part.Text);
    }
}

Console.WriteLine();
