using System.CommandLine;
using Hunyuan.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Hunyuan.Cli.Commands.Cluster;

/// <summary>Shared plumbing of the commands that talk to a running cluster: locate it, connect, map errors.</summary>
internal abstract class ClusterCommandBase : Command
{
    protected static readonly Option<int> ConnectTimeoutOption = new("--connect-timeout") { Description = "Seconds to wait for the cluster to answer", DefaultValueFactory = _ => 15 };

    protected ClusterCommandBase(string name, string description, CliConsole console)
        : base(name, description)
    {
        Console = console;
        ClusterLocator.AddTo(this);
        Options.Add(ConnectTimeoutOption);
        SetAction((r, ct) => RunAsync(r, ct));
    }

    protected CliConsole Console { get; }

    protected abstract Task<int> ExecuteAsync(ParseResult r, IClusterClient client, CancellationToken cancellationToken);

    /// <summary>Exit code when the cluster cannot be reached (health overrides it).</summary>
    protected virtual int UnreachableExitCode => ExitCodes.ClusterUnreachable;

    private async Task<int> RunAsync(ParseResult r, CancellationToken cancellationToken)
    {
        IHost host;
        try
        {
            var connection = ClusterLocator.Resolve(r);
            host = await connection.ConnectAsync(TimeSpan.FromSeconds(r.GetValue(ConnectTimeoutOption)), cancellationToken);
        }
        catch (ClusterUnreachableException ex)
        {
            return OnUnreachable(r, ex.Message);
        }
        catch (ArgumentException ex)
        {
            return Console.Fail(ExitCodes.InvalidArguments, ex.Message);
        }

        using (host)
        {
            try
            {
                return await ExecuteAsync(r, host.Services.GetRequiredService<IClusterClient>(), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return ExitCodes.Cancelled;
            }
            finally
            {
                try
                {
                    await host.StopAsync(TimeSpan.FromSeconds(5));
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }

    protected virtual int OnUnreachable(ParseResult r, string message) => Console.Fail(UnreachableExitCode, message);
}
