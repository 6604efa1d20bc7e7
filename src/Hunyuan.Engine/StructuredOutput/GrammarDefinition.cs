namespace Hunyuan.Engine.StructuredOutput;

/// <summary>A request's structured output, compiled: the schema's root and a key under which equal requests share a grammar.</summary>
public sealed record GrammarDefinition(SchemaNode Root, string CacheKey);
