using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// A holder's routed experts stacked as [experts, out, in] (dense, or int8 with row scales), so the chosen experts
/// of every (token, slot) pair are gathered by one index_select per weight and run as two bmm calls: no host read of
/// the routing, no per-expert loop. The experts' own weights become views of the stacks (no second copy).
/// </summary>
internal sealed class ExpertBank : IDisposable
{
    private readonly torch.Tensor _gateUp;
    private readonly torch.Tensor _down;
    private readonly torch.Tensor? _gateUpScales;
    private readonly torch.Tensor? _downScales;
    private readonly torch.Tensor? _localOf;
    private readonly torch.Tensor? _held;
    private readonly long _intermediate;

    private ExpertBank(torch.Tensor gateUp, torch.Tensor down, torch.Tensor? gateUpScales, torch.Tensor? downScales, torch.Tensor? localOf, torch.Tensor? held, long intermediate)
    {
        (_gateUp, _down, _gateUpScales, _downScales, _localOf, _held, _intermediate) = (gateUp, down, gateUpScales, downScales, localOf, held, intermediate);
        BytesPerExpert = ((gateUp.NumberOfElements + down.NumberOfElements) * gateUp.ElementSize / gateUp.shape[0])
            + (((gateUpScales?.NumberOfElements ?? 0) + (downScales?.NumberOfElements ?? 0)) * 4 / gateUp.shape[0]);
    }

    /// <summary>Weight bytes one gathered (token, slot) pair copies.</summary>
    public long BytesPerExpert { get; }

    /// <summary>
    /// Stacks <paramref name="experts"/> when they share one storage kind and shape; <paramref name="views"/> is
    /// then the same experts as views of the stacks (the originals are disposed). Null, with the experts unchanged,
    /// for kinds it does not stack (fp8's per-tensor scales).
    /// </summary>
    public static ExpertBank? TryCreate(IReadOnlyDictionary<int, MlpWeights> experts, long routerExperts, out IReadOnlyDictionary<int, MlpWeights> views)
    {
        views = experts;
        var ids = experts.Keys.Order().ToArray();
        if (ids.Length == 0)
        {
            return null;
        }

        var list = ids.Select(e => experts[e]).ToArray();
        var intermediate = list[0].Intermediate;
        if (list.Any(m => m.Intermediate != intermediate))
        {
            return null;
        }

        torch.Tensor gateUp, down;
        torch.Tensor? gateUpScales = null, downScales = null;
        if (list.All(m => m.GateUp is DenseLinear && m.Down is DenseLinear))
        {
            gateUp = torch.stack(list.Select(m => ((DenseLinear)m.GateUp).Weight).ToList()).DetachFromDisposeScope();
            down = torch.stack(list.Select(m => ((DenseLinear)m.Down).Weight).ToList()).DetachFromDisposeScope();
        }
        else if (list.All(m => m.GateUp is Int8RowLinear && m.Down is Int8RowLinear))
        {
            gateUp = torch.stack(list.Select(m => ((Int8RowLinear)m.GateUp).Weight).ToList()).DetachFromDisposeScope();
            down = torch.stack(list.Select(m => ((Int8RowLinear)m.Down).Weight).ToList()).DetachFromDisposeScope();
            gateUpScales = torch.stack(list.Select(m => ((Int8RowLinear)m.GateUp).Scales).ToList()).DetachFromDisposeScope();
            downScales = torch.stack(list.Select(m => ((Int8RowLinear)m.Down).Scales).ToList()).DetachFromDisposeScope();
        }
        else
        {
            return null;
        }

        var rebuilt = new Dictionary<int, MlpWeights>();
        for (var i = 0; i < ids.Length; i++)
        {
            rebuilt[ids[i]] = gateUpScales is null
                ? MlpWeights.FromStacked(new DenseLinear(gateUp[i]), new DenseLinear(down[i]))
                : MlpWeights.FromStacked(new Int8RowLinear(gateUp[i], gateUpScales[i]), new Int8RowLinear(down[i], downScales![i]));
            list[i].Dispose();
        }

        views = rebuilt;

        // An expert-parallel holder maps global expert ids to its stack rows; pairs routed elsewhere read row 0 and
        // get combine weight 0, so they add nothing and the group's sum fills them in.
        torch.Tensor? localOf = null, held = null;
        if (ids.Length != routerExperts || ids.Where((e, i) => e != i).Any())
        {
            var map = new long[routerExperts];
            var mask = new bool[routerExperts];
            for (var i = 0; i < ids.Length; i++)
            {
                map[ids[i]] = i;
                mask[ids[i]] = true;
            }

            localOf = StepTensors.Int64(map, gateUp.device);
            held = StepTensors.Bool(mask, [routerExperts], gateUp.device);
        }

        return new ExpertBank(gateUp, down, gateUpScales, downScales, localOf, held, intermediate);
    }

    /// <summary>
    /// Σ_j weights[n, j] * expert_{indices[n, j]}(x[n]) for every token n, as [N, hidden] in x's dtype.
    /// </summary>
    /// <param name="x">Tokens [N, hidden].</param>
    /// <param name="indices">Global expert ids [N, k].</param>
    /// <param name="weights">Combine weights [N, k], float32; cast to x's dtype before the multiply, as the reference does.</param>
    public torch.Tensor Combine(torch.Tensor x, torch.Tensor indices, torch.Tensor weights)
    {
        var (n, k, hidden) = (x.shape[0], indices.shape[1], x.shape[1]);
        using var flat = indices.view(-1);
        using var local = _localOf?.index_select(0, flat);
        var rows = local ?? flat;
        using var xs = k == 1 ? x.unsqueeze(-1) : x.unsqueeze(1).expand(n, k, hidden).reshape(n * k, hidden, 1);
        using var gu = Project(_gateUp, _gateUpScales, rows, xs);
        using var g = gu.narrow(1, 0, _intermediate);
        using var u = gu.narrow(1, _intermediate, _intermediate);
        using var act = torch.nn.functional.silu(g);
        StepTensors.InPlace(act, t => t.mul_(u));
        var y = Project(_down, _downScales, rows, act);
        using var w = weights.to(x.dtype).view(n * k, 1, 1);
        if (_held is not null)
        {
            using var keep = _held.index_select(0, flat).view(n * k, 1, 1);
            StepTensors.InPlace(w, t => t.mul_(keep));
        }

        StepTensors.InPlace(y, t => t.mul_(w));
        using (y)
        {
            if (k == 1)
            {
                return y.view(n, hidden);
            }

            using var perToken = y.view(n, k, hidden);
            return perToken.sum(1);
        }
    }

    public void Dispose()
    {
        _gateUp.Dispose();
        _down.Dispose();
        _gateUpScales?.Dispose();
        _downScales?.Dispose();
        _localOf?.Dispose();
        _held?.Dispose();
    }

    // The chosen experts' weights [Nk, out, in] times the inputs [Nk, in, 1]; int8 rows upcast, then row-scaled.
    private static torch.Tensor Project(torch.Tensor stack, torch.Tensor? scales, torch.Tensor rows, torch.Tensor input)
    {
        using var chosen = stack.index_select(0, rows);
        if (scales is null)
        {
            return chosen.bmm(input);
        }

        using var upcast = chosen.to(input.dtype);
        var y = upcast.bmm(input);
        using var s = scales.index_select(0, rows);
        using var sc = s.to(input.dtype).unsqueeze(-1);
        StepTensors.InPlace(y, t => t.mul_(sc));
        return y;
    }
}
