namespace Hunyuan.Engine.StructuredOutput.Automaton;

/// <summary>
/// Inside an object. Declared properties come in declaration order: the next key is one of those from
/// <see cref="Next"/> up to the first required one (optional ones may be skipped). A free-form object (no declared
/// properties, <see cref="ObjectNode.FreeValues"/> set) takes any keys not already in <see cref="Keys"/>.
/// </summary>
internal sealed record ObjectFrame(ObjectNode Node, ObjectPhase Phase, int Next, int Current, KeyList? Keys, GrammarLimits Limits) : Frame
{
    private bool Free => Node.FreeValues is not null;

    public bool HasKey(string key) => KeyList.Contains(Keys, key);

    public override void Feed(byte b, ParseStack rest, ISet<ParseStack> output)
    {
        switch (Phase)
        {
            case ObjectPhase.Open:
                if (b == '}' && (Free || NothingRequiredFrom(0)))
                {
                    output.Add(rest);
                }

                StartKey(b, rest, output);
                break;
            case ObjectPhase.Comma:
                StartKey(b, rest, output);
                break;
            case ObjectPhase.Colon:
                if (b == ':')
                {
                    var value = Free ? Node.FreeValues! : Node.Properties[Current].Value;
                    var after = GapFrame.Before(rest.Push(this with { Phase = ObjectPhase.Value }), Limits);
                    output.Add(GapFrame.Before(after.Push(new ValueFrame(value, Limits)), Limits));
                }

                break;
            case ObjectPhase.Value:
                if (b == ',' && (Free || Current + 1 < Node.Properties.Count))
                {
                    output.Add(GapFrame.Before(rest.Push(this with { Phase = ObjectPhase.Comma, Next = Current + 1 }), Limits));
                }

                if (b == '}' && (Free || NothingRequiredFrom(Current + 1)))
                {
                    output.Add(rest);
                }

                break;
        }
    }

    private void StartKey(byte b, ParseStack rest, ISet<ParseStack> output)
    {
        if (Free)
        {
            if (b == '"')
            {
                output.Add(rest.Push(this with { Phase = ObjectPhase.Colon }).Push(new StringFrame(-1, Key: string.Empty)));
            }

            return;
        }

        var properties = Node.Properties;
        for (var j = Next; j < properties.Count; j++)
        {
            LiteralFrame.Step(properties[j].Key, 0, b, rest.Push(this with { Phase = ObjectPhase.Colon, Current = j }), output);
            if (properties[j].Required)
            {
                break;
            }
        }
    }

    private bool NothingRequiredFrom(int index)
    {
        for (var j = index; j < Node.Properties.Count; j++)
        {
            if (Node.Properties[j].Required)
            {
                return false;
            }
        }

        return true;
    }
}
