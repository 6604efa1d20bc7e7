namespace Hunyuan.Serving.Dashboard;

/// <summary>
/// The endpoint's traffic over the last <see cref="RateSeconds"/> (requests finished and tokens generated per second),
/// time to first token over the last minute (null until a request had one), KV usage (0..1) and queue depths now.
/// </summary>
public sealed record LiveStats(double RequestsPerSecond, double TokensPerSecond, double RateSeconds, double? TtftP50Ms, double? TtftP99Ms, double KvUsage, int Running, int Waiting);
