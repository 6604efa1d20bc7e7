namespace Hunyuan.Engine.StructuredOutput.Automaton;

/// <summary>The keys a free-form object has so far, newest first; equal by value, so states compare by content.</summary>
internal sealed record KeyList(string Key, KeyList? Next)
{
    public static bool Contains(KeyList? list, string key)
    {
        for (var k = list; k is not null; k = k.Next)
        {
            if (string.Equals(k.Key, key, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
