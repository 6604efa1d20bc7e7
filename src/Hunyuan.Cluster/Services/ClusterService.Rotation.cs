using System.Globalization;
using Hunyuan.Cluster.Control;
using Hunyuan.Cluster.Runtimes;
using Hunyuan.Cluster.State;
using Hunyuan.Cluster.Tls;
using Hunyuan.Engine.Security;
using Hunyuan.Grains.Deployments;
using Hunyuan.Grains.Hosting;
using Hunyuan.Provisioning.Clusters;

namespace Hunyuan.Cluster.Services;

/// <summary>
/// `up --rotate-certs` on a running cluster, a roll that never splits it: (1) a new CA, and ca.pem trusting the new and
/// the old one pushed everywhere (agents re-read it, nothing restarts); (2) one node at a time, workers first and the
/// head last, a certificate from the new CA and its agent restarted, the next only once it is alive again with a new
/// silo; then the operator's client certificate, and the endpoints started again with theirs; (3) ca.pem trusting the
/// new CA alone, pushed everywhere, so that the old CA's certificates are refused from then on. A roll that stops (a
/// host fails, an agent does not rejoin) leaves both CAs trusted, so the cluster keeps working; the next `up`, with or
/// without --rotate-certs, sees the two CAs in ca.pem and finishes the roll, skipping the nodes already moved.
/// </summary>
public sealed partial class ClusterService
{
    // True when this `up` must roll certificates after its first pass.
    private bool PrepareRotation(ClusterStore store, ClusterState? existing, bool rotate, IProgress<ClusterEvent> progress)
    {
        using var tls = store.Tls(time);
        var rolling = false;
        if (existing is null)
        {
            // Nothing of this cluster runs: a new CA can take over at once.
            if (rotate)
            {
                tls.RotateAuthority();
            }
            else if (tls.RotationInProgress)
            {
                tls.CompleteRotation();
            }
        }
        else if (tls.RotationInProgress)
        {
            progress.Report(new ClusterEvent($"certificate rotation: resuming the unfinished one (ca.pem in {store.TlsDirectory} trusts the old and the new CA)"));
            rolling = true;
        }
        else if (rotate)
        {
            tls.BeginRotation();
            progress.Report(new ClusterEvent("certificate rotation, step 1/3: a new cluster CA; every host gets ca.pem trusting the new and the old CA (running agents re-read it, none restarts)"));
            rolling = true;
        }

        foreach (var change in tls.Changes)
        {
            progress.Report(new ClusterEvent($"TLS: {change} in {store.TlsDirectory}"));
        }

        return rolling;
    }

    private async Task<RuntimeUp> RollCertificatesAsync(IClusterRuntime runtime, ClusterStore store, RuntimeUp up, ClusterConnection connection, TimeSpan joinTimeout, IProgress<ClusterEvent> progress, CancellationToken cancellationToken)
    {
        // Workers first: the head holds what the others need (Redis, or the local cluster's membership).
        var order = up.Hosts.Where(h => h.AgentExpected).OrderBy(h => h.Role == "head" ? 1 : 0).Select(h => h.Node).ToList();
        for (var k = 0; k < order.Count; k++)
        {
            var node = order[k];
            var identity = ClusterTlsFiles.NodeIdentity(node);
            using (var tls = store.Tls(time))
            {
                if (tls.IsFromNewestAuthority(identity))
                {
                    progress.Report(ClusterEvent.ForHost(node, string.Create(CultureInfo.InvariantCulture, $"certificate rotation, step 2/3 ({k + 1}/{order.Count}): already has its certificate from the new CA")));
                    continue;
                }
            }

            var before = await SiloOfAsync(connection, node, cancellationToken);
            progress.Report(ClusterEvent.ForHost(node, string.Create(CultureInfo.InvariantCulture, $"certificate rotation, step 2/3 ({k + 1}/{order.Count}): restarting its agent with a certificate from the new CA")));
            var started = time.GetTimestamp();
            store.Renewal = CertificateRenewal.Only(identity);
            try
            {
                up = await runtime.UpAsync(store, up.State, progress, cancellationToken);
            }
            finally
            {
                store.Renewal = CertificateRenewal.Any;
            }

            var outcome = up.Hosts.FirstOrDefault(h => h.Node == node);
            if (outcome is not { Ok: true })
            {
                return Stopped(up, node, outcome?.Error ?? "the runtime no longer reports this node", progress);
            }

            connection = ConnectionOf(up, store);
            var rejoined = await WaitForNewSiloAsync(connection, node, before, joinTimeout, cancellationToken);
            if (rejoined is null)
            {
                return Stopped(up, node, string.Create(CultureInfo.InvariantCulture, $"its agent did not rejoin with its new certificate within {joinTimeout.TotalSeconds:F0} s"), progress);
            }

            progress.Report(ClusterEvent.ForHost(node, string.Create(CultureInfo.InvariantCulture, $"rejoined with its new certificate (silo {rejoined.SiloAddress}) in {time.GetElapsedTime(started).TotalSeconds:F1} s")));
        }

        using (var tls = store.Tls(time))
        {
            if (tls.EnsureClient())
            {
                progress.Report(new ClusterEvent($"certificate rotation: the operator's client certificate issued again from the new CA ({tls.Files.Certificate(ClusterTlsFiles.ClientIdentity)})"));
            }
        }

        // An endpoint presents a certificate too (the head's, or the operator's): it starts again with its new one before the old CA goes.
        await HealEndpointsAsync(runtime, store, up.State, progress, cancellationToken);

        using (var tls = store.Tls(time))
        {
            tls.CompleteRotation();
        }

        progress.Report(new ClusterEvent("certificate rotation, step 3/3: ca.pem trusts the new CA alone; pushing it to every host (running agents re-read it, none restarts)"));
        up = await runtime.UpAsync(store, up.State, progress, cancellationToken);
        if (up.Hosts.All(h => h.Ok))
        {
            progress.Report(new ClusterEvent("certificate rotation complete: every node, the operator and the endpoints hold certificates from the new CA, and the old CA is trusted nowhere"));
        }
        else
        {
            progress.Report(ClusterEvent.Warning("certificate rotation: the hosts above did not get the final ca.pem and still trust the old CA; run `hyc up` again to push it"));
        }

        return up;
    }

    private static RuntimeUp Stopped(RuntimeUp up, string node, string reason, IProgress<ClusterEvent> progress)
    {
        var message = $"certificate rotation stopped here: {reason}. The cluster trusts the old and the new CA until the rotation finishes: run `hyc up` again (with or without --rotate-certs) to continue it";
        progress.Report(ClusterEvent.Warning($"{node}: {message}"));
        return up with { Hosts = [.. up.Hosts.Select(h => h.Node == node ? h with { Error = message } : h)] };
    }

    private async Task<string?> SiloOfAsync(ClusterConnection connection, string node, CancellationToken cancellationToken)
    {
        try
        {
            await using var control = await connector.ConnectAsync(connection, TimeSpan.FromSeconds(10), cancellationToken);
            return (await MembersAsync(control, cancellationToken)).FirstOrDefault(m => m.Name == node && m.State == "alive")?.SiloAddress;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OperationCanceledException)
        {
            // Not known now: any silo of this node that is alive once it restarted counts as new.
            return null;
        }
    }

    // The node alive again as another silo than before its restart; null when that did not happen in time.
    private async Task<NodeMembership?> WaitForNewSiloAsync(ClusterConnection connection, string node, string? before, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (time.GetElapsedTime(started) < timeout)
        {
            try
            {
                await using var control = await connector.ConnectAsync(connection, TimeSpan.FromSeconds(10), cancellationToken);
                while (time.GetElapsedTime(started) < timeout)
                {
                    var member = (await MembersAsync(control, cancellationToken)).FirstOrDefault(m => m.Name == node);
                    if (member is { State: "alive" } && member.SiloAddress != before)
                    {
                        return member;
                    }

                    await Task.Delay(PollInterval, time, cancellationToken);
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OperationCanceledException)
            {
                // The gateway this client used may be the one that restarted: connect again.
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
            }
        }

        return null;
    }
}
