using Lethe.Contracts.Artifacts;
using Lethe.Contracts.Collection;
using Lethe.Grains.Activation;
using Lethe.Grains.Artifacts;
using Lethe.Grains.Hypernet;
using Lethe.Grains.Telemetry;
using Lethe.ML.Collection;
using Lethe.ML.Unlearning;
using Microsoft.Extensions.Logging;

namespace Lethe.Grains.Collection;

/// <summary>
/// A checkpoint dataset's statistics (<see cref="DatasetStatistics"/>): computed in the background from the shards,
/// one shard in memory at a time, staged and committed to the artifact store under
/// <see cref="ArtifactKeys.Statistics"/>, and recorded with their checksum. Callers poll <see cref="TryGet"/>, so a
/// computation over millions of checkpoints never holds a call open; once stored, every call is a hit.
/// </summary>
public sealed class DatasetStatisticsGrain(
    [PersistentState("statistics", CollectionOptions.StorageName)] IPersistentState<DatasetStatisticsState> state,
    IArtifactStore artifacts,
    LetheMetrics metrics,
    ILogger<DatasetStatisticsGrain> log) : Grain, IDatasetStatisticsGrain
{
    private readonly ActivationWork _computation = new();
    private string? _error;

    private string[] JobIds => this.GetPrimaryKeyString().Split('+');

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => _computation.StopAsync(cancellationToken);

    Task<DatasetStatisticsInfo?> IDatasetStatisticsGrain.TryGet() => TryGet();

    private async Task<DatasetStatisticsInfo?> TryGet()
    {
        if (state.State.Info is { } info && await artifacts.Find(info.Key, CancellationToken.None) is not null)
        {
            metrics.DatasetStatistics.Add(1, new KeyValuePair<string, object?>("result", "hit"));
            return info;
        }

        if (_error is { } error)
        {
            _error = null;
            throw new InvalidOperationException(error);
        }

        // Checked on the caller's call, so an unknown or unfinished job is the caller's error at once.
        var shards = await CollectedCheckpoints.Shards(GrainFactory, JobIds);
        _computation.EnsureRunning(ct => Compute(shards, ct));
        return null;
    }

    Task<DatasetStatisticsInfo?> IDatasetStatisticsGrain.Find() => Task.FromResult(state.State.Info);

    async Task IDatasetStatisticsGrain.Forget()
    {
        await _computation.StopAsync();
        _error = null;
        await state.ClearStateAsync();
    }

    async Task IDatasetStatisticsGrain.Prepare()
    {
        try
        {
            await TryGet();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            log.LogWarning(e, "Statistics of dataset {Dataset} not prepared", this.GetPrimaryKeyString());
        }
    }

    private async Task Compute(IReadOnlyList<CheckpointShardManifest> shards, CancellationToken ct)
    {
        try
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var key = ArtifactKeys.Statistics(JobIds);
            // The shards are read twice (small columns, then the chosen reference rows), each verified, off the grain's scheduler.
            var (statistics, bytes) = await Task.Run(() =>
            {
                CollectionSpec? spec = null;
                IEnumerable<ML.Storage.CheckpointBatch> Read()
                {
                    foreach (var shard in shards)
                    {
                        ct.ThrowIfCancellationRequested();
                        var (batch, shardSpec) = CollectedCheckpoints.ReadShard(artifacts, shard, ct).GetAwaiter().GetResult();
                        spec = CollectedCheckpoints.SameTask(spec, shardSpec, shard.JobId);
                        yield return batch;
                    }
                }

                // The task comes from the first shard's spec; Compute checks every shard's classes against it.
                var first = CollectedCheckpoints.ReadShard(artifacts, shards[0], ct).GetAwaiter().GetResult().Spec;
                var computed = DatasetStatistics.Compute(first.Task, Read);
                return (computed, computed.Serialize());
            }, ct);
            var sha = ArtifactChecksum.Sha256Of(bytes);
            await artifacts.Stage(key, bytes, sha, ct);
            if (!await artifacts.Commit(key, sha, ct) && await artifacts.Find(key, ct) is null)
            {
                throw new IOException($"The statistics of {this.GetPrimaryKeyString()} could not be committed to {artifacts.UriOf(key)}.");
            }

            // A commit another activation won holds statistics of the same shards: adopt its checksum.
            var committed = await artifacts.Find(key, ct);
            state.State.Info = new DatasetStatisticsInfo(key, committed?.Sha256 ?? sha, bytes.LongLength, statistics.Checkpoints, DateTimeOffset.UtcNow);
            await state.WriteStateAsync(ct);
            metrics.DatasetStatistics.Add(1, new KeyValuePair<string, object?>("result", "computed"));
            log.LogInformation("Statistics of dataset {Dataset}: {Checkpoints} checkpoints, {Bytes} bytes, {References} reference rows, computed in {Seconds:F1} s",
                this.GetPrimaryKeyString(), statistics.Checkpoints, bytes.LongLength, statistics.ReferenceRows, watch.Elapsed.TotalSeconds);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            log.LogWarning(e, "Statistics of dataset {Dataset} failed", this.GetPrimaryKeyString());
            _error = $"The statistics of dataset {this.GetPrimaryKeyString()} could not be computed: {e.Message}";
        }
    }
}

[GenerateSerializer, Alias("lethe.dataset-statistics-state")]
public sealed class DatasetStatisticsState
{
    [Id(0)] public DatasetStatisticsInfo? Info { get; set; }
}
