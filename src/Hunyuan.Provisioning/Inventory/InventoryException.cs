namespace Hunyuan.Provisioning.Inventory;

/// <summary>A host list that cannot be used: the message names the file, the line and the key.</summary>
public sealed class InventoryException(string file, int line, string key, string problem)
    : Exception($"{file}:{line}: '{key}': {problem}")
{
    public string File { get; } = file;

    public int Line { get; } = line;

    public string Key { get; } = key;

    public string Problem { get; } = problem;
}
