using Hunyuan.Engine.Scheduling;

namespace Hunyuan.Serving.OpenAi.Generation;

/// <summary>One choice of a request while it is answered: its text so far, its tokens, how it ended, how to stop it.</summary>
internal sealed class ChoiceProgress(TextStream text, CancellationTokenSource stop, bool logprobs)
{
    public TextStream Text { get; } = text;

    /// <summary>Cancelled when the choice reached a stop string: the scheduler ends it alone.</summary>
    public CancellationTokenSource Stop { get; } = stop;

    public int Generated { get; set; }

    /// <summary>With logprobs: every token (one body) or those since the choice's last chunk (a stream); else null.</summary>
    public List<GenerationEvent>? Tokens { get; } = logprobs ? [] : null;

    /// <summary>"stop" or "length" once ended (its finish chunk sent, when streaming); null before.</summary>
    public string? Finish { get; set; }
}
