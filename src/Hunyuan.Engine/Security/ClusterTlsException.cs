namespace Hunyuan.Engine.Security;

/// <summary>This process's TLS material is missing, unreadable or not the cluster's; the message names the file and what to do.</summary>
public sealed class ClusterTlsException(string message, Exception? inner = null) : Exception(message, inner);
