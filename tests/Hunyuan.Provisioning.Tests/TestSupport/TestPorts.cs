using System.Net;
using System.Net.Sockets;

namespace Hunyuan.Provisioning.Tests.TestSupport;

/// <summary>
/// Loopback ports for tests, instead of fixed numbers: each block is free when handed out (checked by binding it)
/// and never handed twice in one test process. Bases stay below Linux's ephemeral range (32768+) together with their
/// +20000 gateways, so an outgoing connection does not take one between the check and the test's own bind.
/// </summary>
public static class TestPorts
{
    private const int Low = 10000;
    private const int High = 12700;
    private static readonly HashSet<int> Handed = [];

    /// <summary>One free port.</summary>
    public static int One() => Base(0);

    /// <summary>A base port such that base + each offset is free (a local cluster needs base..base+n-1 and base+20000..).</summary>
    public static int Base(params int[] offsets)
    {
        lock (Handed)
        {
            for (var attempt = 0; attempt < 500; attempt++)
            {
                var candidate = Random.Shared.Next(Low, High);
                var ports = offsets.Select(o => candidate + o).ToArray();
                if (ports.All(p => !Handed.Contains(p) && IsFree(p)))
                {
                    Handed.UnionWith(ports);
                    return candidate;
                }
            }

            throw new InvalidOperationException($"no free block of loopback ports between {Low} and {High} after 500 tries");
        }
    }

    /// <summary>Offsets of a local cluster's silo, metrics and gateway ports (`up --local --base-port`).</summary>
    public static int[] LocalCluster(int nodes) => [.. Enumerable.Range(0, nodes), .. Enumerable.Range(10000, nodes), .. Enumerable.Range(20000, nodes)];

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
