namespace Hunyuan.Provisioning.Clusters;

/// <summary>A host could not be brought to the wanted state; the message says why, for the person running `up`.</summary>
public sealed class ProvisionException(string message) : Exception(message);
