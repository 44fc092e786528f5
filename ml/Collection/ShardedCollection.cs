using Lethe.ML.Data;
using Lethe.ML.Nets;
using Lethe.ML.Storage;

namespace Lethe.ML.Collection;

/// <summary>
/// A collection job written into a <see cref="ShardFolder"/>, one shard per <see cref="CollectionSpec.RunsPerShard"/>
/// runs. Shards already present whose checksum verifies are not recomputed, so re-running continues a job.
/// </summary>
public sealed class ShardedCollection
{
    private readonly CollectionSpec _spec;
    private readonly ShardFolder _folder;
    private readonly DigitsDataset _data;

    public ShardedCollection(CollectionSpec spec, ShardFolder folder, DigitsDataset data)
    {
        _spec = spec.Validated();
        _folder = folder;
        _data = data;
        if (folder.Manifest.Metadata.TryGetValue("job", out var job) && job != spec.Id && folder.Manifest.Shards.Count > 0)
        {
            throw new InvalidOperationException(
                $"{folder.Path} already holds collection job {job}; this spec is job {spec.Id}. Use another --out folder, or the same options as before to continue that job.");
        }
    }

    /// <summary>Metadata every shard and the manifest carry.</summary>
    public static IReadOnlyDictionary<string, string> Metadata(CollectionSpec spec, string dataSource, int shard = -1)
    {
        var layout = ParameterLayout.For(spec.Task.Architecture);
        var metadata = new Dictionary<string, string>
        {
            ["job"] = spec.Id,
            ["preset"] = spec.Preset,
            ["architecture"] = spec.Task.Architecture.ToString(),
            ["layout"] = string.Join(";", layout.Tensors.Select(t => $"{t.Name}:{string.Join("x", t.Shape)}@{t.Offset}")),
            ["pivots"] = string.Join(",", spec.Task.Pivots),
            ["dataset"] = dataSource,
            ["seed"] = spec.Seed.ToString(),
            ["spec"] = spec.ToJson(),
        };
        if (shard >= 0)
        {
            var (first, last) = spec.ShardRuns(shard);
            metadata["shard"] = shard.ToString();
            metadata["runs"] = $"{first}-{last}";
            metadata["run_seeds"] = string.Join(",", Enumerable.Range(first, last - first + 1).Select(i => spec.PlanRun(i).Seed));
        }

        return metadata;
    }

    /// <summary>Shards that are absent or fail verification.</summary>
    public IReadOnlyList<int> PendingShards() =>
        Enumerable.Range(0, _spec.ShardCount).Where(s => !IsComplete(s)).ToList();

    public void Run(IProgress<CollectionProgress>? progress = null, CancellationToken cancellation = default)
    {
        var pending = PendingShards();
        var runsTotal = pending.Sum(s => _spec.ShardRuns(s).Last - _spec.ShardRuns(s).First + 1);
        long epochsBefore = 0, evaluatedBefore = 0, savedBefore = 0;
        var collector = new VectorizedCollector(_data, _spec);
        foreach (var shard in pending)
        {
            var (first, last) = _spec.ShardRuns(shard);
            var runs = Enumerable.Range(first, last - first + 1).Select(_spec.PlanRun).ToList();
            var inner = new InlineProgress<CollectionProgress>(p => progress?.Report(new CollectionProgress(
                epochsBefore + p.RunEpochsDone, (long)runsTotal * _spec.Epochs, evaluatedBefore + p.Evaluated, savedBefore + p.Saved)));
            var batch = collector.Collect(runs, inner, cancellation);
            _folder.Add(CollectionSpec.ShardName(shard), ShardFile.Serialize(batch, Metadata(_spec, _data.Source, shard)),
                batch.Count, first, last, Metadata(_spec, _data.Source));
            epochsBefore += (long)runs.Count * _spec.Epochs;
            evaluatedBefore += (long)runs.Count * collector.Schedule.CandidateCount;
            savedBefore += batch.Count;
        }
    }

    private bool IsComplete(int shard)
    {
        var entry = _folder.Find(CollectionSpec.ShardName(shard));
        if (entry is null)
        {
            return false;
        }

        try
        {
            _folder.ReadVerified(entry);
            return true;
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException)
        {
            return false;
        }
    }
}
