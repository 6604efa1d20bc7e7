using Hunyuan.Grains.Placement;

namespace Hunyuan.Grains.Deployments;

[HeadPlacement]
[CollectionAgeLimit(AlwaysActive = true)]
internal sealed class DeploymentRegistryGrain : Grain, IDeploymentRegistryGrain
{
    private readonly SortedSet<string> _names = new(StringComparer.Ordinal);

    public Task AddAsync(string name)
    {
        _names.Add(name);
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string name)
    {
        _names.Remove(name);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>(_names.ToArray());
}
