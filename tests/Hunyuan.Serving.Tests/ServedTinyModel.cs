using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Checkpoints;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Model.Variants;
using Hunyuan.Serving.Backends;
using Microsoft.AspNetCore.Builder;
using TorchSharp;

namespace Hunyuan.Serving.Tests;

/// <summary>The tiny random model (with its tokenizer) served on a loopback port of the OS's choosing; shared by the tests.</summary>
public sealed class ServedTinyModel : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new();
    private WebApplication? _app;

    public LocalServingBackend Backend { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public string ModelDirectory => _dir.File("tiny");

    /// <summary>One raw HTTP client for the tests that share this server (thread-safe; disposed with it).</summary>
    public HttpClient Http { get; private set; } = null!;

    /// <summary>The official OpenAI SDK's chat client on this server.</summary>
    public OpenAI.Chat.ChatClient Chat => new("tiny", new System.ClientModel.ApiKeyCredential("unused"), new OpenAI.OpenAIClientOptions { Endpoint = new Uri(BaseAddress, "/v1") });

    public async Task InitializeAsync()
    {
        RandomCheckpointWriter.Write(ModelDirectory, RandomModelOptions.Tiny with { DType = "float32" });
        Backend = await LocalServingBackend.StartAsync(ModelDirectory, LoadOptions.Of(torch.ScalarType.Float32), 1, 1, 16L << 20,
            new EngineOptions { MaxModelLen = 256, MaxNumSeqs = 8, MaxBatchedTokens = 64, BlockSize = 8 });
        (_app, BaseAddress) = await Start(Backend, new ServingOptions { Port = 0, ModelName = "tiny", ModelAliases = [ModelDirectory] });
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
    }

    public static async Task<(WebApplication App, Uri Base)> Start(IServingBackend backend, ServingOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        var app = ServingHost.Build(backend, options, configure: configure);
        await app.StartAsync();
        return (app, new Uri(app.Urls.First()));
    }

    public void Dispose() => _dir.Dispose();

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        await Backend.DisposeAsync();
        _dir.Dispose();
    }
}
