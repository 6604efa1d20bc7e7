namespace Hunyuan.Engine.StructuredOutput.Automaton;

/// <summary>
/// Inside an array of <see cref="Count"/> items so far. Without maxItems the count stops at minItems, where it no
/// longer changes what may follow: arrays of 3 and of 30 items are then one state and share a mask.
/// </summary>
internal sealed record ArrayFrame(ArrayNode Node, ArrayPhase Phase, int Count, GrammarLimits Limits) : Frame
{
    public override void Feed(byte b, ParseStack rest, ISet<ParseStack> output)
    {
        switch (Phase)
        {
            case ArrayPhase.Open:
                if (b == ']' && Node.MinItems == 0)
                {
                    output.Add(rest);
                }

                BeginItem(b, rest, output);
                break;
            case ArrayPhase.Comma:
                BeginItem(b, rest, output);
                break;
            case ArrayPhase.Item:
                if (b == ',' && (Node.MaxItems is null || Count < Node.MaxItems))
                {
                    output.Add(GapFrame.Before(rest.Push(this with { Phase = ArrayPhase.Comma }), Limits));
                }

                if (b == ']' && Count >= Node.MinItems)
                {
                    output.Add(rest);
                }

                break;
        }
    }

    private void BeginItem(byte b, ParseStack rest, ISet<ParseStack> output)
    {
        if (Node.MaxItems == 0)
        {
            return;
        }

        var count = Node.MaxItems is null ? Math.Min(Count + 1, Node.MinItems) : Count + 1;
        var below = GapFrame.Before(rest.Push(this with { Phase = ArrayPhase.Item, Count = count }), Limits);
        ValueFrame.Begin(Node.Items, b, below, output, Limits);
    }
}
