using Microsoft.Extensions.Logging;

namespace Hunyuan.Grains.Deployments;

/// <summary>
/// On a head's start, activates every deployment the registry lists, so each restores its stored spec and supervises
/// its ranks again without anyone asking. Bounded retries: until the old head leaves the membership, calls may fail.
/// </summary>
internal static partial class DeploymentRecovery
{
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(3);
    private const int Attempts = 20;

    public static async Task RunAsync(IGrainFactory grains, TimeProvider clock, ILogger<DeploymentRecoveryLog> logger, CancellationToken stopping)
    {
        for (var attempt = 1; attempt <= Attempts && !stopping.IsCancellationRequested; attempt++)
        {
            try
            {
                var names = await grains.GetGrain<IDeploymentRegistryGrain>("registry").ListAsync();
                foreach (var name in names)
                {
                    await grains.GetGrain<IDeploymentGrain>(name).GetStatusAsync();
                }

                if (names.Count > 0)
                {
                    LogRecovered(logger, names.Count, names);
                }

                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRetry(logger, attempt, Attempts, ex.Message);
            }

            try
            {
                await Task.Delay(Pause, clock, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Head start: {Count} stored deployment(s) back under supervision: {Names}")]
    private static partial void LogRecovered(ILogger logger, int count, IReadOnlyList<string> names);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Head start: stored deployments not reached yet (attempt {Attempt} of {Attempts}): {Error}")]
    private static partial void LogRetry(ILogger logger, int attempt, int attempts, string error);
}

/// <summary>The logger category of <see cref="DeploymentRecovery"/> (a static class cannot be one).</summary>
internal sealed class DeploymentRecoveryLog;
