namespace Hunyuan.Cli.Tests.Commands.Cluster;

/// <summary>A grain that keeps its state in Redis grain storage, as the head's deployment specs will.</summary>
public interface IAclProbeGrain : IGrainWithStringKey
{
    Task WriteAsync(string text);

    Task<string> ReadAsync();

    Task ClearAsync();

    Task ReloadAsync();
}

[GenerateSerializer]
public sealed class AclProbeState
{
    [Id(0)]
    public string Text { get; set; } = "";
}

public sealed class AclProbeGrain([PersistentState("probe", RedisAclTests.StorageName)] IPersistentState<AclProbeState> state) : Grain, IAclProbeGrain
{
    public async Task WriteAsync(string text)
    {
        state.State.Text = text;
        await state.WriteStateAsync();
    }

    public Task<string> ReadAsync() => Task.FromResult(state.State.Text);

    public Task ClearAsync() => state.ClearStateAsync();

    public Task ReloadAsync() => state.ReadStateAsync();
}
