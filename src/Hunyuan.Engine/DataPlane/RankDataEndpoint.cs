namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// One rank's side of the data plane: the lease holder's steps come in on its driver connection and go to the rank's
/// thread in arrival order; each outcome goes back on that connection. Only the newest lease's driver is served: a
/// connection under an older lease is refused, and a step carrying an older lease is failed, so a stale endpoint can
/// never interleave its steps with the holder's. Activations (or, between GPU nodes, NCCL notices) from the previous stage
/// arrive on <see cref="Inbox"/>, tensor-parallel peers' parts on <see cref="Collectives"/>.
/// </summary>
public sealed class RankDataEndpoint(
    string deployment, string epoch, int rank, string token, IRankStepRunner runner, IStageInbound? inbox, Action? resetCollectives = null, Action<string>? abortCollectives = null,
    CollectiveInbox? collectives = null)
{
    private long _lease;
    private long _servedLease;

    public string Deployment { get; } = deployment;

    public string Epoch { get; } = epoch;

    public int Rank { get; } = rank;

    /// <summary>The receiving end of this rank's pipeline link (socket or NCCL); null on the first stage.</summary>
    public IStageInbound? Inbox { get; } = inbox;

    /// <summary>Where tensor-parallel peers on other nodes deliver their parts of collectives; null when there are none.</summary>
    public CollectiveInbox? Collectives { get; } = collectives;

    /// <summary>The newest lease a driver has presented.</summary>
    public long Lease => Interlocked.Read(ref _lease);

    /// <summary>Null when the hello may proceed, else why it is refused (never naming the expected token).</summary>
    public string? Refusal(DataPlaneHello hello)
    {
        if (!string.Equals(hello.Epoch, Epoch, StringComparison.Ordinal))
        {
            return $"rank {Rank} of {Deployment} is at epoch {Epoch}, not {hello.Epoch} (the deployment was redeployed)";
        }

        if (!System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(hello.Token), System.Text.Encoding.UTF8.GetBytes(token)))
        {
            return "wrong data-plane token";
        }

        if (hello.Role == DataPlaneRole.Driver)
        {
            while (true)
            {
                var current = Lease;
                if (hello.Lease < current)
                {
                    return $"lease {hello.Lease} is stale; rank {Rank} serves lease {current}";
                }

                if (Interlocked.CompareExchange(ref _lease, hello.Lease, current) == current)
                {
                    break;
                }
            }
        }
        else if (hello.Role == DataPlaneRole.TensorPeer)
        {
            if (Collectives is null)
            {
                return $"rank {Rank} has no tensor-parallel peers on other nodes";
            }

            if (Collectives.MemberOf(hello.FromRank) < 0)
            {
                return $"rank {hello.FromRank} is not in rank {Rank}'s tensor-parallel group";
            }
        }
        else if (Inbox is null)
        {
            return $"rank {Rank} is the first pipeline stage; it takes no activations";
        }

        return null;
    }

    /// <summary>
    /// Called before a driver's hello is answered: a driver under a newer lease than the last one served starts from a
    /// clean rank (the previous holder's sequences, undelivered activations and any aborted collective are dropped, since
    /// its steps will never complete). Done before the answer, so every rank is clean before the driver sends a step.
    /// </summary>
    public async Task AcceptDriverAsync(long lease)
    {
        if (Interlocked.Exchange(ref _servedLease, lease) != lease)
        {
            await ResetAsync();
        }
    }

    /// <summary>Serves a driver connection until it closes, reading it on a thread of its own (see <see cref="BlockingFrameReader"/>).</summary>
    public Task ServeDriverAsync(FrameConnection connection, long lease, CancellationToken cancellationToken) =>
        BlockingFrameReader.Start($"rank-{Rank}-driver", connection, frame => OnDriverFrame(connection, lease, frame, cancellationToken), cancellationToken);

    // On the driver connection's reading thread, which may block: it is no grain's and no thread-pool worker.
    private void OnDriverFrame(FrameConnection connection, long lease, Frame frame, CancellationToken cancellationToken)
    {
        switch (frame.Kind)
        {
            case FrameKind.Step:
                var step = StepMessage.Decode(frame.Payload);
                if (step.Lease != Lease || lease != Lease)
                {
                    connection.Send(FrameKind.StepResult,
                        new StepOutcome(step.StepId, null, $"step {step.StepId} carries lease {step.Lease}; rank {Rank} now serves lease {Lease}", Superseded: true).Encode().Span);
                    break;
                }

                // Queued now, in arrival order; the rank's thread starts sending the outcome the moment it has it.
                runner.RunStep(step, outcome =>
                {
                    if (outcome.CollectivesAffected)
                    {
                        // Wake tensor-parallel peers waiting in this step's collectives; the driver resets us all next.
                        abortCollectives?.Invoke(outcome.Error!);
                    }

                    _ = SendOutcomeAsync(connection, outcome, cancellationToken);
                });
                break;
            case FrameKind.Release:
                foreach (var id in DecodeRelease(frame.Payload))
                {
                    _ = runner.ReleaseAsync(id);
                }

                break;
            case FrameKind.Reset:
                if (lease == Lease)
                {
                    ResetAsync().GetAwaiter().GetResult();
                }

                break;
            default:
                throw new InvalidDataException($"{connection.Peer} sent a {frame.Kind} frame on a driver connection");
        }
    }

    private async Task ResetAsync()
    {
        await runner.ReleaseAllAsync();
        Inbox?.Drain();
        resetCollectives?.Invoke();
    }

    internal static ReadOnlyMemory<byte> EncodeRelease(IReadOnlyList<long> ids) => new WireWriter().I64s(ids.ToArray()).Written;

    private static long[] DecodeRelease(byte[] payload)
    {
        var r = new WireReader(payload);
        var ids = r.I64s();
        r.End();
        return ids;
    }

    private static async Task SendOutcomeAsync(FrameConnection connection, StepOutcome outcome, CancellationToken cancellationToken)
    {
        try
        {
            await connection.SendAsync(FrameKind.StepResult, outcome.Encode(), cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (ex is DataPlaneException or OperationCanceledException)
        {
            // The driver is gone; it fails its pending steps when it notices.
        }
    }
}
