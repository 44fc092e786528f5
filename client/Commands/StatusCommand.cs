using System.CommandLine;
using Lethe.Client.Cluster;
using Lethe.Contracts.Collection;
using Spectre.Console;

namespace Lethe.Client.Commands;

/// <summary><c>lethe status [JOB]</c>: a collection job's progress, or without a job the cluster's silos.</summary>
public static class StatusCommand
{
    public static Command Create()
    {
        var job = new Argument<string?>("job") { Description = "Collection job id (printed by 'lethe collect').", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("status", "Show a collection job's progress, or the silos of the cluster. An embedded silo knows only the jobs of its own process; use --cluster.")
        {
            job, CollectCommand.Cluster,
        };
        command.SetAction((result, cancellation) => CliAction.Run(async () =>
        {
            await using var connection = await LetheConnection.Open(result.GetValue(CollectCommand.Cluster), null, cancellation);
            if (result.GetValue(job) is { } jobId)
            {
                PrintJob(await connection.Client.GetGrain<ICollectionJobGrain>(jobId).GetProgress());
            }
            else
            {
                await PrintSilos(connection);
            }

            return 0;
        }));
        return command;
    }

    private static void PrintJob(JobProgress p)
    {
        if (p.RunsPlanned == 0)
        {
            throw new KeyNotFoundException($"No collection job {p.JobId} is known to this cluster; submit it with 'lethe collect'.");
        }

        var table = new Table().Title($"job {p.JobId}").AddColumn("").AddColumn(new TableColumn("").RightAligned()).HideHeaders();
        table.AddRow("status", p.Error is null ? p.Status.ToString() : $"{p.Status}: {Markup.Escape(p.Error)}");
        table.AddRow("shards sealed", $"{p.ShardsSealed}/{p.ShardsPlanned}");
        table.AddRow("runs sealed", $"{p.RunsSealed}/{p.RunsPlanned}");
        table.AddRow("run-epochs", $"{p.RunEpochsDone}/{p.RunEpochsTotal}");
        table.AddRow("checkpoints", p.Checkpoints.ToString());
        table.AddRow("started", p.StartedUtc?.ToString("u") ?? "-");
        table.AddRow("finished", p.FinishedUtc?.ToString("u") ?? "-");
        AnsiConsole.Write(table);
    }

    private static async Task PrintSilos(LetheConnection connection)
    {
        var hosts = await connection.Client.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true);
        var table = new Table().Title(connection.Embedded ? "embedded silo" : "cluster silos").AddColumn("silo").AddColumn("address").AddColumn("status").AddColumn("since");
        foreach (var host in hosts.OrderBy(h => h.SiloName))
        {
            table.AddRow(Markup.Escape(host.SiloName), host.SiloAddress.ToString(), host.Status.ToString(), host.StartTime.ToString("u"));
        }

        AnsiConsole.Write(table);
    }
}
