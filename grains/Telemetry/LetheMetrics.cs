using System.Diagnostics.Metrics;

namespace Lethe.Grains.Telemetry;

/// <summary>
/// The <c>Lethe</c> meter. Label sets are bounded (preset, variant, method, outcome, state, queue, store): never a
/// request, run, job or tenant id. Prometheus names follow OpenTelemetry's translation (dots to underscores, unit and
/// <c>_total</c> suffixes), e.g. <c>lethe.checkpoints.saved</c> is scraped as <c>lethe_checkpoints_saved_total</c>.
/// </summary>
public sealed class LetheMetrics
{
    public const string MeterName = "Lethe";

    private readonly Dictionary<string, int> _runsByState = new();
    private readonly Dictionary<string, int> _queueDepths = new();
    private readonly Dictionary<string, double> _hypernetLoss = new();
    private readonly Dictionary<string, double> _hypernetSamplesPerSecond = new();
    private readonly Dictionary<string, long> _datasetCheckpoints = new();
    private readonly Dictionary<string, long> _datasetBytes = new();
    private readonly Lock _gate = new();

    public LetheMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        CheckpointsEvaluated = meter.CreateCounter<long>("lethe.checkpoints.evaluated", "{checkpoint}", "Candidate checkpoints evaluated on the test split.");
        CheckpointsSaved = meter.CreateCounter<long>("lethe.checkpoints.saved", "{checkpoint}", "Checkpoints kept by the saving heuristics.");
        RunEpochs = meter.CreateCounter<long>("lethe.run.epochs", "{epoch}", "Training epochs completed, summed over runs.");
        ShardBytesWritten = meter.CreateCounter<long>("lethe.shard.written", "By", "Bytes of sealed checkpoint shards.");
        HypernetTrainSteps = meter.CreateCounter<long>("lethe.hypernet.train.steps", "{step}", "Hypernetwork optimiser steps.");
        SamplerLatency = meter.CreateHistogram<double>("lethe.sampler.latency", "s", "Time to sample one batch of parameter vectors.");
        SamplerBatches = meter.CreateCounter<long>("lethe.sampler.batches", "{batch}", "Batches of parameter vectors sampled on this silo.");
        UnlearningRequests = meter.CreateCounter<long>("lethe.unlearning.requests", "{request}", "Unlearning requests finished, by method and outcome.");
        UnlearningDuration = meter.CreateHistogram<double>("lethe.unlearning.duration", "s", "Wall time of an unlearning request from acceptance to result.");
        DatasetStatistics = meter.CreateCounter<long>("lethe.dataset.statistics", "{call}", "Dataset statistics served to requests (result=hit) or computed from the shards (result=computed).");
        TenantRejections = meter.CreateCounter<long>("lethe.tenant.rejections", "{request}", "Requests refused by authentication or quota, by reason.");
        meter.CreateObservableGauge("lethe.runs", () => Snapshot(_runsByState, "state"), "{run}", "Training runs by state.");
        meter.CreateObservableGauge("lethe.compute.queue.depth", () => Snapshot(_queueDepths, "queue"), "{item}", "Work items waiting in the silo compute executor.");
        meter.CreateObservableGauge("lethe.hypernet.train.loss", () => Snapshot(_hypernetLoss, "variant"), null, "Latest hypernetwork training loss (diffusion MSE).");
        HypernetRowsRead = meter.CreateCounter<long>("lethe.hypernet.rows_read", "{row}", "Checkpoint rows (parameter vectors) hypernetwork training read from its dataset, by source (mapped or memory).");
        meter.CreateObservableGauge("lethe.hypernet.dataset.checkpoints", () => Snapshot(_datasetCheckpoints, "variant"), "{checkpoint}", "Checkpoints in the dataset the latest training of each variant on this silo opened.");
        meter.CreateObservableGauge("lethe.hypernet.dataset.bytes", () => Snapshot(_datasetBytes, "variant"), "By", "Shard bytes the latest training of each variant on this silo mapped (page cache, reclaimable).");
        meter.CreateObservableGauge("lethe.hypernet.samples_per_second", () => Snapshot(_hypernetSamplesPerSecond, "variant"), "{sample}/s", "Hypernetwork training throughput.");
    }

    public Counter<long> CheckpointsEvaluated { get; }

    public Counter<long> DatasetStatistics { get; }

    public Counter<long> CheckpointsSaved { get; }

    public Counter<long> RunEpochs { get; }

    public Counter<long> ShardBytesWritten { get; }

    public Counter<long> HypernetTrainSteps { get; }

    public Counter<long> HypernetRowsRead { get; }

    public Histogram<double> SamplerLatency { get; }

    public Counter<long> SamplerBatches { get; }

    public Counter<long> UnlearningRequests { get; }

    public Histogram<double> UnlearningDuration { get; }

    public Counter<long> TenantRejections { get; }

    /// <summary>Moves one run from one state to another (null = not counted before / after).</summary>
    public void RunStateChanged(string? from, string? to)
    {
        lock (_gate)
        {
            if (from is not null)
            {
                _runsByState[from] = _runsByState.GetValueOrDefault(from) - 1;
            }

            if (to is not null)
            {
                _runsByState[to] = _runsByState.GetValueOrDefault(to) + 1;
            }
        }
    }

    public void SetQueueDepth(string queue, int depth)
    {
        lock (_gate)
        {
            _queueDepths[queue] = depth;
        }
    }

    public void SetHypernetProgress(string variant, double loss, double samplesPerSecond)
    {
        lock (_gate)
        {
            _hypernetLoss[variant] = loss;
            _hypernetSamplesPerSecond[variant] = samplesPerSecond;
        }
    }

    /// <summary>The dataset the latest training of <paramref name="variant"/> on this silo opened: checkpoints and shard bytes.</summary>
    public void SetTrainingDataset(string variant, long checkpoints, long bytes)
    {
        lock (_gate)
        {
            _datasetCheckpoints[variant] = checkpoints;
            _datasetBytes[variant] = bytes;
        }
    }

    private IEnumerable<Measurement<T>> Snapshot<T>(Dictionary<string, T> values, string label) where T : struct
    {
        lock (_gate)
        {
            return values.Select(kv => new Measurement<T>(kv.Value, new KeyValuePair<string, object?>(label, kv.Key))).ToArray();
        }
    }
}
