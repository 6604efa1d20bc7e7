namespace Hunyuan.Engine.Scheduling;

/// <summary>Too many requests waiting: try again later (HTTP 429 with Retry-After).</summary>
public sealed class QueueFullException(int waiting) : Exception($"{waiting} requests are already waiting; try again shortly")
{
    public int Waiting { get; } = waiting;
}

/// <summary>The prompt cannot fit: longer than max_model_len allows, or than the whole KV pool holds.</summary>
public sealed class PromptTooLongException(string message) : Exception(message);
