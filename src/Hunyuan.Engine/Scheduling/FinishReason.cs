namespace Hunyuan.Engine.Scheduling;

public enum FinishReason
{
    /// <summary>A stop token (or, at the serving layer, a stop string).</summary>
    Stop,

    /// <summary>max_tokens, or the sequence reached max_model_len.</summary>
    Length,

    /// <summary>The client went away or cancelled.</summary>
    Cancelled,

    /// <summary>The deployment failed the step.</summary>
    Error,
}
