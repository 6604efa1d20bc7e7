namespace Hunyuan.Model.Generation;

/// <summary>
/// A compiled grammar over one tokenizer's vocabulary (for example a JSON schema), shared by every sequence that uses
/// it so its per-state masks are computed once; each sequence (each of a request's n choices) starts its own state.
/// </summary>
public interface ITokenGrammar
{
    ITokenConstraint Start();
}
