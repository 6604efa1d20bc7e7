namespace Hunyuan.Provisioning.Remote;

/// <summary>What a host's probe found, from which <see cref="ProcessSupervision.Choose"/> picks the supervision.</summary>
public sealed record SupervisionFacts(bool Root, bool SystemSystemd, bool UserSystemd, bool Linger);
