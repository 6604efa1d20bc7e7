using Hunyuan.Model.Checkpoints;

namespace Hunyuan.Cluster.State;

/// <summary>Where hyc keeps its files on this machine: $HYC_HOME, else ~/.hyc. Read each time, so tests can point it elsewhere.</summary>
public static class HycHome
{
    public static string Path => BuiltInModels.DefaultHome;
}
