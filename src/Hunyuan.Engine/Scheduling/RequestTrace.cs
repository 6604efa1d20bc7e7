using System.Diagnostics;

namespace Hunyuan.Engine.Scheduling;

/// <summary>A request's span and its queue-wait span (null once nobody listens).</summary>
public sealed record RequestTrace(Activity Request, Activity? Queue);
