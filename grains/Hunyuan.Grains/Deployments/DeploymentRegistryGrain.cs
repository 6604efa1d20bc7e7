using Hunyuan.Grains.Placement;

namespace Hunyuan.Grains.Deployments;

/// <summary>The names of the cluster's deployments, persisted, so a restarted head knows which to bring back.</summary>
[HeadPlacement]
[CollectionAgeLimit(AlwaysActive = true)]
internal sealed class DeploymentRegistryGrain([PersistentState("registry", DeploymentStorage.Name)] IPersistentState<RegistryRecord> record) : Grain, IDeploymentRegistryGrain
{
    public async Task AddAsync(string name)
    {
        if (!record.State.Names.Contains(name, StringComparer.Ordinal))
        {
            record.State.Names.Add(name);
            record.State.Names.Sort(StringComparer.Ordinal);
            await record.WriteStateAsync();
        }
    }

    public async Task RemoveAsync(string name)
    {
        if (record.State.Names.Remove(name))
        {
            await record.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>(record.State.Names.ToArray());
}
