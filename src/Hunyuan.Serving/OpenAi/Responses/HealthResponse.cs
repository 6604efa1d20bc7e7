namespace Hunyuan.Serving.OpenAi.Responses;

/// <summary>GET /health: the process is alive.</summary>
public sealed record HealthResponse(string Status);

/// <summary>GET /health/ready: the backend's own readiness and why.</summary>
public sealed record ReadinessResponse(string Status, string Reason);

/// <summary>GET /version: hyc's version.</summary>
public sealed record VersionResponse(string Version);
