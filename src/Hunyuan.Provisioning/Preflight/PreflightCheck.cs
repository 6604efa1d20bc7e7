namespace Hunyuan.Provisioning.Preflight;

/// <summary>One named check on one host: what was found, and whether it is good enough.</summary>
public sealed record PreflightCheck(string Name, bool Ok, string Detail);
