using System.CommandLine;
using Lethe.Client.Cluster;
using Lethe.Contracts.Collection;
using Lethe.Contracts.Hypernet;
using Lethe.Contracts.Unlearning;
using Spectre.Console;

namespace Lethe.Client.Commands;

/// <summary>
/// <c>lethe status [ID]</c>: the platform's silos, datasets and hypernetworks; or one collection job, hypernetwork
/// training or unlearning request by its id or name.
/// </summary>
public static class StatusCommand
{
    public static Command Create()
    {
        var id = new Argument<string?>("id") { Description = "A collection job id, a hypernetwork training name or an unlearning request id.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("status", "Show the platform (silos, datasets, hypernetworks), or one job, training or request.")
        {
            id, CollectCommand.Cluster,
        };
        command.SetAction((result, cancellation) => CliAction.Run(async () =>
        {
            await using var connection = await LetheConnection.Open(result.GetValue(CollectCommand.Cluster), null, cancellation);
            if (result.GetValue(id) is not { } name)
            {
                await PrintPlatform(connection);
                return 0;
            }

            var grains = connection.Client;
            if (await grains.GetGrain<ICollectionJobGrain>(name).GetProgress() is { RunsPlanned: > 0 } job)
            {
                PrintJob(job);
            }
            else if (await grains.GetGrain<IHypernetTrainerGrain>(name).GetStatus() is { State: not HypernetTrainingState.None } training)
            {
                PrintTraining(training);
            }
            else if (await grains.GetGrain<IUnlearningRequestGrain>(name).GetOutcome() is { Status: not UnlearningStatus.None } request)
            {
                PrintRequest(request);
            }
            else
            {
                throw new KeyNotFoundException($"{connection.Where} knows no collection job, hypernetwork training or unlearning request '{name}'; 'lethe status' lists them.");
            }

            return 0;
        }));
        return command;
    }

    private static Table Facts(string title)
    {
        var table = new Table().Title(Markup.Escape(title)).AddColumn("").AddColumn(new TableColumn("").RightAligned()).HideHeaders();
        return table;
    }

    private static void PrintJob(JobProgress p)
    {
        var table = Facts($"collection job {p.JobId}");
        table.AddRow("status", Markup.Escape(p.Error is null ? p.Status.ToString() : $"{p.Status}: {p.Error}"));
        table.AddRow("shards sealed", $"{p.ShardsSealed}/{p.ShardsPlanned}");
        table.AddRow("runs sealed", $"{p.RunsSealed}/{p.RunsPlanned}");
        table.AddRow("run-epochs", $"{p.RunEpochsDone}/{p.RunEpochsTotal}");
        table.AddRow("checkpoints", p.Checkpoints.ToString());
        table.AddRow("started", p.StartedUtc?.ToString("u") ?? "-");
        table.AddRow("finished", p.FinishedUtc?.ToString("u") ?? "-");
        AnsiConsole.Write(table);
    }

    private static void PrintTraining(HypernetTrainerStatus s)
    {
        var table = Facts($"hypernetwork training {s.Name}");
        table.AddRow("status", Markup.Escape(s.Error is null ? s.State.ToString() : $"{s.State}: {s.Error}"));
        table.AddRow("model", s.Request is { } r ? Markup.Escape($"{r.Variant}/{r.Preset} on {string.Join(",", r.DatasetJobIds)}") : "-");
        table.AddRow("step", $"{s.Step}/{s.Steps}");
        table.AddRow("loss (held-out)", $"{s.TrainLoss:G4} ({s.HeldOutLoss:G4})");
        table.AddRow("best version", s.BestVersion is null ? "-" : $"{s.BestVersion} (alignment {s.BestScore:F3})");
        table.AddRow("latest version", s.LatestVersion ?? "-");
        AnsiConsole.Write(table);
    }

    private static void PrintRequest(UnlearningOutcome o)
    {
        var table = Facts($"unlearning request {o.Id}");
        table.AddRow("status", Markup.Escape(o.Error is null ? o.Status.ToString() : $"{o.Status}: {o.Error}"));
        table.AddRow("method", Markup.Escape($"{o.Method} on {o.Preset}, forget {{{string.Join(",", o.Forget)}}}"));
        table.AddRow("tenant", Markup.Escape(o.Tenant));
        if (o.Status == UnlearningStatus.Running)
        {
            table.AddRow("progress", Markup.Escape($"{o.Progress:P0} {o.Stage}"));
        }

        table.AddRow("acc D_f test / D_r test", o.ForgetAccuracy is { } f ? $"{f:F4} / {o.RetainAccuracy:F4}" : "-");
        table.AddRow("submitted", o.SubmittedUtc?.ToString("u") ?? "-");
        table.AddRow("finished", o.FinishedUtc?.ToString("u") ?? "-");
        AnsiConsole.Write(table);
    }

    private static async Task PrintPlatform(LetheConnection connection)
    {
        var grains = connection.Client;
        var hosts = await grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true);
        var silos = new Table().Title(Markup.Escape($"silos of {connection.Where}")).AddColumn("silo").AddColumn("address").AddColumn("status").AddColumn("since");
        foreach (var host in hosts.OrderBy(h => h.SiloName))
        {
            silos.AddRow(Markup.Escape(host.SiloName), host.SiloAddress.ToString(), host.Status.ToString(), host.StartTime.ToString("u"));
        }

        AnsiConsole.Write(silos);
        var datasets = new Table().Title("checkpoint datasets").AddColumn("job").AddColumn("preset").AddColumn(new TableColumn("runs").RightAligned())
            .AddColumn("status").AddColumn(new TableColumn("checkpoints").RightAligned()).AddColumn("origin");
        foreach (var dataset in await grains.GetGrain<IDatasetCatalogGrain>(IDatasetCatalogGrain.Key).List())
        {
            var progress = await grains.GetGrain<ICollectionJobGrain>(dataset.JobId).GetProgress();
            datasets.AddRow(dataset.JobId, $"{dataset.Preset} ({dataset.Architecture})", dataset.Runs.ToString(), progress.Status.ToString(), progress.Checkpoints.ToString(), Markup.Escape(dataset.Origin));
        }

        AnsiConsole.Write(datasets);
        var hypernets = new Table().Title("published hypernetworks").AddColumn("name").AddColumn("variant").AddColumn("versions").AddColumn("best").AddColumn(new TableColumn("alignment").RightAligned());
        var registry = grains.GetGrain<IModelRegistryGrain>(IModelRegistryGrain.Key);
        foreach (var group in (await registry.List()).GroupBy(v => v.Name))
        {
            var best = await registry.Find(group.Key);
            hypernets.AddRow(Markup.Escape(group.Key), $"{group.First().Variant}/{group.First().Preset}", group.Count().ToString(), best?.Version ?? "-", best is null ? "-" : $"{best.Score:F3}");
        }

        AnsiConsole.Write(hypernets);
    }
}
