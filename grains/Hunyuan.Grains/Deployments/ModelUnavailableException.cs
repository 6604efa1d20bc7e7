namespace Hunyuan.Grains.Deployments;

/// <summary>Some host cannot read the model directory; the message names each such host and the rule.</summary>
public sealed class ModelUnavailableException(string message) : Exception(message);
