using System.CommandLine;
using Lethe.Client.Cluster;
using Lethe.Contracts.Collection;
using Spectre.Console;

namespace Lethe.Client.Commands;

/// <summary>
/// <c>lethe dataset list|delete</c>: the platform's checkpoint datasets with their size on disk, and deleting one (its
/// shards, manifest and statistics in the artifact store, then its registrations), through the dataset catalog grain.
/// </summary>
public static class DatasetCommand
{
    /// <summary>Artifacts deleted per catalog call: each call stays short whatever the dataset's size.</summary>
    private const int ArtifactsPerCall = 100;

    public static Command Create()
    {
        var list = new Command("list", "The checkpoint datasets: runs, checkpoints, shards, bytes in the artifact store, statistics, origin.") { CollectCommand.Cluster };
        list.SetAction((result, cancellation) => CliAction.Run(async () =>
        {
            await using var connection = await LetheConnection.Open(result.GetValue(CollectCommand.Cluster), null, cancellation);
            var grains = connection.Client;
            var table = new Table().Title($"checkpoint datasets on {Markup.Escape(connection.Where)}")
                .AddColumns("job", "preset", "runs", "status", "checkpoints", "shards", "MB", "statistics", "origin");
            long totalBytes = 0, totalCheckpoints = 0;
            foreach (var entry in await grains.GetGrain<IDatasetCatalogGrain>(IDatasetCatalogGrain.Key).List())
            {
                var job = grains.GetGrain<ICollectionJobGrain>(entry.JobId);
                var progress = await job.GetProgress();
                var bytes = (await job.GetShards()).Sum(s => s.Bytes);
                var statistics = await grains.GetGrain<IDatasetStatisticsGrain>(entry.JobId).Find();
                totalBytes += bytes + (statistics?.Bytes ?? 0);
                totalCheckpoints += progress.Checkpoints;
                table.AddRow(entry.JobId, entry.Preset, entry.Runs.ToString("N0"), progress.Status.ToString(), progress.Checkpoints.ToString("N0"),
                    $"{progress.ShardsSealed}/{progress.ShardsPlanned}", (bytes / 1e6).ToString("F1"),
                    statistics is null ? "-" : $"{statistics.Bytes / 1e3:F0} KB", Markup.Escape(entry.Origin));
            }

            AnsiConsole.Write(table);
            if (totalCheckpoints > 0)
            {
                AnsiConsole.MarkupLine($"{totalCheckpoints:N0} checkpoints, {totalBytes / 1e9:F2} GB: {totalBytes / 1e9 / (totalCheckpoints / 1e6):F2} GB per million checkpoints");
            }

            return 0;
        }));

        var jobId = new Argument<string>("job") { Description = "The collection job id of the dataset ('lethe dataset list')." };
        var delete = new Command("delete", "Delete a dataset: its shards, manifest and statistics, then its registrations. Refused while a training or request uses it.") { jobId, CollectCommand.Cluster };
        delete.SetAction((result, cancellation) => CliAction.Run(async () =>
        {
            var id = result.GetValue(jobId)!;
            await using var connection = await LetheConnection.Open(result.GetValue(CollectCommand.Cluster), null, cancellation);
            var catalog = connection.Client.GetGrain<IDatasetCatalogGrain>(IDatasetCatalogGrain.Key);
            int deleted = 0;
            long bytes = 0;
            DatasetDeletion step;
            do
            {
                step = await catalog.Delete(id, ArtifactsPerCall);
                deleted += step.ArtifactsDeleted;
                bytes += step.BytesDeleted;
                if (!step.Done)
                {
                    AnsiConsole.MarkupLine($"[grey]{deleted} artifacts deleted, {step.ArtifactsRemaining} to go[/]");
                }
            }
            while (!step.Done);

            AnsiConsole.MarkupLine($"dataset {Markup.Escape(id)} deleted: {deleted} artifacts, {bytes / 1e6:F1} MB");
            return 0;
        }));

        return new Command("dataset", "The platform's checkpoint datasets: list them, delete one.") { list, delete };
    }
}
