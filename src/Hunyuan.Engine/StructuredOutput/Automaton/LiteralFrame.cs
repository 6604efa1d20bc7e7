namespace Hunyuan.Engine.StructuredOutput.Automaton;

/// <summary>The rest of a fixed byte string (an enum value, a key, true/false/null). Bytes compare by reference: one array per choice.</summary>
internal sealed record LiteralFrame(byte[] Bytes, int Offset) : Frame
{
    public override void Feed(byte b, ParseStack rest, ISet<ParseStack> output) => Step(Bytes, Offset, b, rest, output);

    public static void Step(byte[] bytes, int offset, byte b, ParseStack rest, ISet<ParseStack> output)
    {
        if (bytes[offset] != b)
        {
            return;
        }

        output.Add(offset + 1 == bytes.Length ? rest : rest.Push(new LiteralFrame(bytes, offset + 1)));
    }
}
