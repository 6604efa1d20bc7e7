namespace Hunyuan.Model.Tokenization;

/// <summary>A chat turn: role system, user or assistant, and its text.</summary>
public sealed record ChatMessage(string Role, string Content);
