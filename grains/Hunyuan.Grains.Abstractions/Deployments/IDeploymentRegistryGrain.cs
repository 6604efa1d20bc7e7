namespace Hunyuan.Grains.Deployments;

/// <summary>The names of the cluster's deployments (key "registry"), so status can list them.</summary>
public interface IDeploymentRegistryGrain : IGrainWithStringKey
{
    Task AddAsync(string name);

    Task RemoveAsync(string name);

    Task<IReadOnlyList<string>> ListAsync();
}
