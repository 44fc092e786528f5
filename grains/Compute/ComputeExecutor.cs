using Lethe.Contracts.Collection;
using Lethe.Grains.Collection;
using Lethe.Grains.Telemetry;
using Lethe.ML;
using Lethe.ML.Collection;
using Lethe.ML.Data;
using Lethe.ML.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lethe.Grains.Compute;

/// <summary>
/// The silo's compute executor: dedicated threads own every TorchSharp call (dispose scopes are thread-local, so no
/// torch work may run on grain threads or across an await). Runs of the same job that are waiting together are
/// trained in one <see cref="VectorizedCollector.Collect"/> call; callers get plain arrays back, never tensors. Other
/// torch work (hypernetwork step batches, sampling) runs through <see cref="Run{T}"/> between collection passes.
/// </summary>
public sealed class ComputeExecutor : IDisposable
{
    public const string QueueName = "collection";

    private readonly ComputeOptions _options;
    private readonly LetheMetrics _metrics;
    private readonly ILogger<ComputeExecutor> _log;
    private readonly List<RunWork> _queue = [];
    private readonly Queue<ComputeCall> _calls = new();
    private readonly Queue<ComputeCall> _interactiveCalls = new();
    private readonly object _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, DigitsDataset> _datasets = [];
    private readonly Dictionary<string, VectorizedCollector> _collectors = [];
    private readonly List<Thread> _threads = [];
    private long _runsTrained;
    private long _batches;

    public ComputeExecutor(IOptions<ComputeOptions> options, LetheMetrics metrics, ILogger<ComputeExecutor> log)
    {
        _options = options.Value;
        _metrics = metrics;
        _log = log;
        if (_options.TorchThreads is < 1 || _options.Threads < 1 || _options.InteractiveThreads < 0)
        {
            throw new ArgumentException($"Lethe:Compute:Threads and TorchThreads must be at least 1 and InteractiveThreads at least 0; got {_options.Threads}, {_options.TorchThreads} and {_options.InteractiveThreads}.");
        }

        for (var i = 0; i < _options.Threads; i++)
        {
            var thread = new Thread(() => Work(interactiveOnly: false)) { IsBackground = true, Name = $"lethe-compute-{i}" };
            _threads.Add(thread);
            thread.Start();
        }

        for (var i = 0; i < _options.InteractiveThreads; i++)
        {
            var thread = new Thread(() => Work(interactiveOnly: true)) { IsBackground = true, Name = $"lethe-interactive-{i}" };
            _threads.Add(thread);
            thread.Start();
        }
    }

    /// <summary>Runs trained by this silo since it started (tests use it to prove a re-submit trains nothing).</summary>
    public long RunsTrained => Interlocked.Read(ref _runsTrained);

    /// <summary>Vectorized passes run so far.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>
    /// Trains one run of a job, together with whatever runs of the same job are waiting. <paramref name="epochsDone"/>
    /// is called on the executor thread as the pass advances.
    /// </summary>
    public Task<TrainedRun> Train(string jobId, CollectionJobSpec spec, int run, Action<int>? epochsDone, CancellationToken ct)
    {
        var work = new RunWork(jobId, spec, run, epochsDone, ct);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            _queue.Add(work);
            _metrics.SetQueueDepth(QueueName, _queue.Count);
            Monitor.PulseAll(_gate);
        }

        return work.Result.Task;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on an executor thread, where it may own tensors and dispose scopes. Keep each call
    /// bounded (a step batch, one sampling request): collection passes wait behind it.
    /// </summary>
    /// <param name="interactive">
    /// A short call someone waits for (sampling, a DiHyFo request): it goes before ordinary calls and runs on the
    /// interactive threads too, so it never waits behind a long computation (a baseline's fine-tuning, a step batch).
    /// </param>
    public Task<T> Run<T>(Func<T> work, CancellationToken ct, bool interactive = false)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var call = new ComputeCall(
            () =>
            {
                if (ct.IsCancellationRequested)
                {
                    result.TrySetCanceled(ct);
                    return;
                }

                try
                {
                    result.TrySetResult(work());
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    result.TrySetCanceled(ct);
                }
                catch (Exception e)
                {
                    result.TrySetException(e);
                }
            },
            () => result.TrySetCanceled());
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            (interactive ? _interactiveCalls : _calls).Enqueue(call);
            Monitor.PulseAll(_gate);
        }

        return result.Task;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopping.Cancel();
            foreach (var work in _queue)
            {
                work.Result.TrySetCanceled();
            }

            foreach (var call in _calls.Concat(_interactiveCalls))
            {
                call.Cancel();
            }

            _calls.Clear();
            _interactiveCalls.Clear();
            _queue.Clear();
            Monitor.PulseAll(_gate);
        }

        foreach (var thread in _threads)
        {
            thread.Join(TimeSpan.FromSeconds(10));
        }
    }

    private void Work(bool interactiveOnly)
    {
        // libtorch keeps the intra-op thread count per calling thread (OpenMP), so each worker sets its own. An
        // interactive call is small (a sampling batch, a selection): one thread, leaving the cores to the compute thread
        // rather than oversubscribing them with a second team.
        TorchSharp.torch.set_num_threads(interactiveOnly ? 1 : _options.TorchThreadsPerWorker);
        if (interactiveOnly)
        {
            while (NextInteractive() is { } interactive)
            {
                interactive.Execute();
            }

            return;
        }

        while (Next() is var (call, batch) && (call is not null || batch is not null))
        {
            if (call is not null)
            {
                call.Execute();
                continue;
            }

            try
            {
                Train(batch!);
            }
            catch (Exception e)
            {
                if (e is not OperationCanceledException)
                {
                    // Stopping the silo cancels a pass on purpose; only a real failure is an error.
                    _log.LogError(e, "Training {Runs} runs of job {JobId} failed", batch!.Count, batch[0].JobId);
                }

                foreach (var work in batch!)
                {
                    if (e is OperationCanceledException)
                    {
                        work.Result.TrySetCanceled();
                    }
                    else
                    {
                        work.Result.TrySetException(e);
                    }
                }
            }
        }
    }

    /// <summary>Waits for an interactive call; null when stopping.</summary>
    private ComputeCall? NextInteractive()
    {
        lock (_gate)
        {
            while (_interactiveCalls.Count == 0)
            {
                if (_stopping.IsCancellationRequested)
                {
                    return null;
                }

                Monitor.Wait(_gate);
            }

            return _interactiveCalls.Dequeue();
        }
    }

    /// <summary>
    /// Waits for work: a queued call goes first (calls are short); otherwise a run, then it keeps gathering runs of its
    /// job until none arrived for a gather window. (null, null) when stopping.
    /// </summary>
    private (ComputeCall? Call, List<RunWork>? Batch) Next()
    {
        lock (_gate)
        {
            while (_queue.Count == 0 && _calls.Count == 0 && _interactiveCalls.Count == 0)
            {
                if (_stopping.IsCancellationRequested)
                {
                    return (null, null);
                }

                Monitor.Wait(_gate);
            }

            if (_interactiveCalls.TryDequeue(out var call) || _calls.TryDequeue(out call))
            {
                return (call, null);
            }

            var jobId = _queue[0].JobId;
            var started = DateTime.UtcNow;
            var waiting = _queue.Count(w => w.JobId == jobId);
            while (waiting < _options.MaxBatchRuns && DateTime.UtcNow - started < _options.MaxGather && !_stopping.IsCancellationRequested)
            {
                Monitor.Wait(_gate, _options.GatherWindow);
                var now = _queue.Count(w => w.JobId == jobId);
                if (now == waiting)
                {
                    break;
                }

                waiting = now;
            }

            var batch = _queue.Where(w => w.JobId == jobId).Take(_options.MaxBatchRuns).ToList();
            _queue.RemoveAll(batch.Contains);
            _metrics.SetQueueDepth(QueueName, _queue.Count);
            return (null, batch);
        }
    }

    private void Train(List<RunWork> batch)
    {
        var live = batch.Where(w => !w.Cancellation.IsCancellationRequested).GroupBy(w => w.Run).Select(g => g.ToList()).ToList();
        foreach (var cancelled in batch.Where(w => w.Cancellation.IsCancellationRequested))
        {
            cancelled.Result.TrySetCanceled();
        }

        if (live.Count == 0)
        {
            return;
        }

        var spec = batch[0].Spec;
        var engineSpec = spec.ToEngineSpec();
        var (collector, source) = CollectorFor(batch[0].JobId, engineSpec);
        var wanted = live.Select(g => engineSpec.PlanRun(g[0].Run)).ToList();
        var evaluated = 0L;
        var progress = new InlineProgress<CollectionProgress>(p =>
        {
            evaluated = p.Evaluated;
            var epochs = (int)(p.RunEpochsDone * spec.Epochs / Math.Max(1, p.RunEpochsTotal));
            foreach (var work in batch)
            {
                work.EpochsDone?.Invoke(epochs);
            }
        });
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = collector.Collect(wanted, progress, _stopping.Token);
        var seconds = watch.Elapsed.TotalSeconds;

        Interlocked.Add(ref _runsTrained, wanted.Count);
        Interlocked.Increment(ref _batches);
        var preset = new KeyValuePair<string, object?>("preset", spec.Preset);
        _metrics.CheckpointsEvaluated.Add(evaluated, preset);
        _metrics.CheckpointsSaved.Add(result.Count, preset);
        _metrics.RunEpochs.Add((long)wanted.Count * spec.Epochs, preset);
        _log.LogInformation("Trained {Runs} runs of job {JobId} in one pass of {Seconds:F2} s: {Checkpoints} checkpoints", wanted.Count, batch[0].JobId, seconds, result.Count);

        var byRun = result.ByRun();
        foreach (var group in live)
        {
            var slice = byRun.GetValueOrDefault(group[0].Run) ?? CheckpointBatch.Empty(result.ParameterCount, result.ClassCount);
            foreach (var work in group)
            {
                work.Result.TrySetResult(new TrainedRun(slice, source));
            }
        }
    }

    private (VectorizedCollector Collector, string Source) CollectorFor(string jobId, CollectionSpec spec)
    {
        lock (_datasets)
        {
            if (!_datasets.TryGetValue(spec.Data, out var data))
            {
                data = DigitsSource.Load(spec.Data, log: message => _log.LogInformation("{Message}", message));
                _datasets[spec.Data] = data;
            }

            if (_collectors.TryGetValue(jobId, out var collector))
            {
                return (collector, data.Source);
            }

            // A silo works on few jobs at a time; keep the newest few collectors (each holds its job's data on the device).
            if (_collectors.Count >= 4)
            {
                _collectors.Clear();
            }

            collector = new VectorizedCollector(data, spec);
            _collectors[jobId] = collector;
            return (collector, data.Source);
        }
    }

    private sealed record ComputeCall(Action Execute, Action Cancel);

    private sealed record RunWork(string JobId, CollectionJobSpec Spec, int Run, Action<int>? EpochsDone, CancellationToken Cancellation)
    {
        public TaskCompletionSource<TrainedRun> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
