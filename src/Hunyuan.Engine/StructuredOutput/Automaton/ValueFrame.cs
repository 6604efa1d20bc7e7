namespace Hunyuan.Engine.StructuredOutput.Automaton;

/// <summary>A value of <see cref="Node"/> not yet begun: its first byte decides which kind it is.</summary>
internal sealed record ValueFrame(SchemaNode Node, GrammarLimits Limits) : Frame
{
    public override void Feed(byte b, ParseStack rest, ISet<ParseStack> output) => Begin(Node, b, rest, output, Limits);

    public static void Begin(SchemaNode node, byte b, ParseStack rest, ISet<ParseStack> output, GrammarLimits limits)
    {
        switch (node)
        {
            case RefNode r:
                Begin(r.Target, b, rest, output, limits);
                break;
            case AnyOfNode a:
                foreach (var alternative in a.Alternatives)
                {
                    Begin(alternative, b, rest, output, limits);
                }

                break;
            case LiteralNode l:
                foreach (var choice in l.Choices)
                {
                    if (choice.Length > 0)
                    {
                        LiteralFrame.Step(choice, 0, b, rest, output);
                    }
                }

                break;
            case StringNode s when b == '"':
                output.Add(rest.Push(new StringFrame(s.MaxLength ?? -1)));
                break;
            case NumberNode n:
                NumberFrame.Begin(n.WholeOnly, b, rest, output, limits);
                break;
            case ObjectNode o when b == '{':
                output.Add(GapFrame.Before(rest.Push(new ObjectFrame(o, ObjectPhase.Open, 0, -1, null, limits)), limits));
                break;
            case ArrayNode a when b == '[':
                output.Add(GapFrame.Before(rest.Push(new ArrayFrame(a, ArrayPhase.Open, 0, limits)), limits));
                break;
        }
    }
}
