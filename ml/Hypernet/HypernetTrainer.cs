using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Lethe.ML.Data;
using Lethe.ML.Storage;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lethe.ML.Hypernet;

/// <summary>
/// Trains a hypernetwork in a <see cref="TrainingFolder"/> it owns, so a training can stop anywhere and resume: it
/// checkpoints its model, EMA and optimiser state there, logs its losses, and publishes a version whenever it evaluates.
/// <see cref="Advance"/> trains a bounded number of steps and returns, so a caller (the CLI, a grain) drives it
/// step-batch by step-batch. All torch work runs synchronously on the calling thread.
/// </summary>
public sealed class HypernetTrainer : IDisposable
{
    private static readonly Lock InitialisationLock = new();

    private readonly TrainingFolder _folder;
    private readonly HypernetOptions _options;
    private readonly TaskPreset _task;
    private readonly CheckpointRuns _train;
    private readonly CheckpointRuns _heldOut;
    private readonly PairSampler _trainPairs;
    private readonly PairSampler _heldOutPairs;
    private readonly PromptAlignment _alignment;
    private readonly HypernetModel _model;
    private readonly HypernetModel _ema;
    private readonly HeldScalars.AdamW _optimizer;
    // The EMA's coefficients, held for the trainer's lifetime: an implicit conversion per call is a temporary Scalar a
    // garbage collection may free mid-call (see HeldScalars.AdamW).
    private readonly Scalar _emaDecay;
    private readonly Scalar _emaRate;
    private readonly GaussianDiffusion _diffusion = GaussianDiffusion.Linear();
    private readonly Tensor _lossWeights;
    private readonly IReadOnlyDictionary<string, string> _modelMetadata;
    private readonly List<TrainingLogEntry> _log = [];
    private double _elapsedBefore;
    private double _runningLoss;
    private int _runningCount;
    private double _lastHeldOut;
    private double _samplesPerSecond;
    private int _failuresSinceCheckpoint;
    private readonly List<string> _recoveries = [];

    private HypernetTrainer(TrainingFolder folder, HypernetOptions options, TaskPreset task, ICheckpointSource data, string dataIdentity, ParameterNormalizer normalizer, LabeledImages test,
        WarmStart? warmStart)
    {
        _folder = folder;
        _options = options;
        _task = task;
        var variant = options.Kind;
        (_train, _heldOut) = CheckpointRuns.Split(data, normalizer, variant.PerClassLosses, options.HeldOutFraction);
        var balanceClasses = task.NonPivots.Length > 0 ? task.NonPivots : task.Classes;
        _trainPairs = new PairSampler(_train, variant.ConditionsOnCurrent, options.Balance, balanceClasses, options.ForgettingPairs, options.TwinPairs, options.CrossPairs);
        _heldOutPairs = new PairSampler(_heldOut, variant.ConditionsOnCurrent, 0, balanceClasses);
        _alignment = new PromptAlignment(_train, _heldOut, test, task.Pivots);
        var metadata = new Dictionary<string, string>
        {
            ["task"] = task.Name,
            ["classes"] = string.Join(",", task.Classes),
            ["pivots"] = string.Join(",", task.Pivots),
            ["dataset"] = dataIdentity,
            ["retain_levels"] = string.Join(",", _alignment.RetainLevels.Select(v => v.ToString("R", CultureInfo.InvariantCulture))),
        };
        if (warmStart is not null)
        {
            metadata["warm_start"] = warmStart.Name;
        }

        _modelMetadata = metadata;

        // Module initialisation draws from torch's global generator: seed it, under a lock because trainers of one
        // process (the demo's two variants) may be opened on different threads at once.
        lock (InitialisationLock)
        {
            manual_seed(options.Seed);
            _model = new HypernetModel(options, task.Architecture, normalizer, _modelMetadata);
            _ema = new HypernetModel(options, task.Architecture, normalizer, _modelMetadata, _model.Device);
        }

        using (no_grad())
        {
            // The fixed base of DiHyFo-2 and of MeanBase: the mean normalized checkpoint, averaged over hidden-unit
            // permutations so the prediction stays equivariant under the augmentation.
            var mean = _train.MeanNormalized();
            _model.Denoiser.Base.copy_(tensor(HiddenUnitPermutation.Symmetrised(_model.Layout, mean)));
            if (warmStart?.Model is { } source && !folder.HasState)
            {
                WarmStartValues = _model.Denoiser.WarmStartFrom(source.Denoiser);
            }

            CopyParameters(_model, _ema);
        }

        _optimizer = new HeldScalars.AdamW(
        [
            new AdamW.ParamGroup(_model.Denoiser.DecayedParameters(), new AdamW.Options { LearningRate = options.LearningRate, weight_decay = options.WeightDecay }),
            new AdamW.ParamGroup(_model.Denoiser.UndecayedParameters(), new AdamW.Options { LearningRate = options.LearningRate, weight_decay = 0 }),
        ], options.LearningRate, 0.9, 0.999);
        _lossWeights = LossWeights(_model, options.LossWeighting);
        _emaDecay = options.EmaDecay.ToScalar();
        _emaRate = (1 - options.EmaDecay).ToScalar();
    }

    public HypernetOptions Options => _options;

    public int Step { get; private set; }

    /// <summary>
    /// Whether opening the training in <paramref name="folder"/> with a warm start needs the source's model: only when the
    /// folder holds no committed state yet (a resume continues from its own).
    /// </summary>
    public static bool NeedsWarmStartModel(string folder) => !new TrainingFolder(folder).HasState;

    /// <summary>Values the warm start copied into the model (0 without one, and when resumed from its state).</summary>
    public long WarmStartValues { get; private set; }

    public bool Done => Step >= _options.Steps;

    public int TrainRuns => _train.Runs.Count;

    public int HeldOutRuns => _heldOut.Runs.Count;

    public int TrainCheckpoints => _train.Count;

    /// <summary>Transitions from a checkpoint to its run's retrained twin that the training pairs are partly drawn from (0 unless <see cref="HypernetOptions.TwinPairs"/> &gt; 0).</summary>
    public int TwinTransitions => _trainPairs.TwinTransitions;

    /// <summary>Forgetting transitions the training pairs are partly drawn from (0 unless <see cref="HypernetOptions.ForgettingPairs"/> &gt; 0).</summary>
    public int ForgettingTransitions => _trainPairs.ForgettingTransitions;

    /// <summary>Training FLOPs per sample: forward + backward ≈ 3 × forward.</summary>
    public double TrainFlopsPerSample => 3 * _model.Denoiser.ForwardFlopsPerSample();

    /// <summary>The EMA model that evaluations sample from and versions publish.</summary>
    public HypernetModel EmaModel => _ema;

    /// <summary>
    /// Opens the training in <paramref name="folder"/>, resuming from its last checkpoint; a new folder starts at step 0.
    /// A folder that holds a training with other options or data is refused. <paramref name="options"/> may change only
    /// the step count and the evaluation settings of an existing training.
    /// </summary>
    public static HypernetTrainer Open(string folder, HypernetOptions options, TaskPreset task, CheckpointBatch data, string dataIdentity, LabeledImages test) =>
        Open(folder, options, task, new InMemoryCheckpointSource(data), dataIdentity, test);

    /// <summary>
    /// Opens the training over a checkpoint source (memory-mapped shards for real datasets), which the caller keeps open
    /// for the trainer's lifetime: minibatches are read from it at every step.
    /// </summary>
    /// <param name="normalizer">For a new training: the normalizer the dataset's statistics hold (the same coefficients a
    /// fit gives); null fits it on the source. A resumed training keeps its stored one.</param>
    /// <param name="warmStart">The trained hypernetwork whose shared tensors a new training starts from
    /// (<see cref="WeightDenoiser.WarmStartFrom"/>), recorded in <c>training.json</c>; a training that resumes from its
    /// state needs only its name (<see cref="WarmStart.Named"/>, see <see cref="NeedsWarmStartModel"/>) and refuses
    /// another.</param>
    public static HypernetTrainer Open(string folder, HypernetOptions options, TaskPreset task, ICheckpointSource data, string dataIdentity, LabeledImages test,
        ParameterNormalizer? normalizer = null, WarmStart? warmStart = null)
    {
        options = options.Validated();
        if (data.ParameterCount != Nets.ParameterLayout.For(task.Architecture).Count || data.ClassCount != task.Classes.Length)
        {
            throw new InvalidDataException($"The checkpoints have {data.ParameterCount} parameters and {data.ClassCount} classes; task {task.Name} ({task.Architecture}) needs {Nets.ParameterLayout.For(task.Architecture).Count} and {task.Classes.Length}.");
        }

        var trainingFolder = new TrainingFolder(folder);
        if (warmStart is { Model: null } && !trainingFolder.HasState)
        {
            throw new ArgumentException($"The training in {folder} has no state yet: starting it from {warmStart.Name} needs that model, not its name alone.");
        }

        if (warmStart?.Model is { } model && model.Layout.Architecture != task.Architecture)
        {
            throw new ArgumentException($"The warm start {warmStart.Name} samples {model.Layout.Architecture} nets; task {task.Name} trains {task.Architecture}.");
        }

        if (trainingFolder.HasDefinition)
        {
            var stored = trainingFolder.ReadDefinition();
            var storedOptions = stored.Options;
            if (storedOptions.Id != options.Id || stored.Dataset != dataIdentity)
            {
                throw new InvalidOperationException(
                    $"{folder} holds a training of {storedOptions.Variant}/{storedOptions.Preset} on dataset {stored.Dataset} (options {storedOptions.Id}); this request is {options.Variant}/{options.Preset} on {dataIdentity} (options {options.Id}). Use another name, or the same options to resume.");
            }

            if (stored.WarmStart is not null && stored.WarmStart != warmStart?.Name)
            {
                throw new InvalidOperationException(
                    $"{folder} holds a training warm-started from {stored.WarmStart}; this request {(warmStart is null ? "has no warm start" : $"starts from {warmStart.Name}")}. Use another name, or the same warm start to resume.");
            }

            normalizer = new ParameterNormalizer(Nets.ParameterLayout.For(task.Architecture), stored.Normalization);
        }
        else
        {
            var layout = Nets.ParameterLayout.For(task.Architecture);
            normalizer = normalizer is not null && normalizer.Layout.Count == layout.Count ? normalizer : ParameterNormalizer.Fit(layout, data, options.Normalization);
            trainingFolder.Create(new TrainingDefinition(options, dataIdentity, task.Name, normalizer.Coefficients, warmStart?.Name));
        }

        var trainer = new HypernetTrainer(trainingFolder, options, task, data, dataIdentity, normalizer, test, warmStart);
        trainer.Resume();
        return trainer;
    }

    /// <summary>Native failures of a step tolerated between two checkpoints before the error is passed on.</summary>
    public const int MaxFailuresPerCheckpoint = 3;

    /// <summary>
    /// What this trainer recovered from: a step that failed in native code (TorchSharp 0.107 sometimes frees a temporary
    /// Scalar of AdamW.step while the native call still reads it: "Expected false to be true" in c10::Scalar) is undone by
    /// going back to the last checkpoint, up to <see cref="MaxFailuresPerCheckpoint"/> times between checkpoints. Each is
    /// also appended to the folder's <see cref="TrainingFolder.RecoveriesFile"/>.
    /// </summary>
    public IReadOnlyList<string> Recoveries => _recoveries;

    /// <summary>Test hook: called after each optimiser step with the step number being trained.</summary>
    internal Action<int>? AfterOptimizerStep { get; set; }

    /// <summary>
    /// Trains up to <paramref name="maxSteps"/> steps (fewer at the end), logging every LogEvery steps, evaluating and
    /// publishing every EvaluateEvery steps and at the last step, and checkpointing every CheckpointEvery steps and
    /// before returning.
    /// </summary>
    public HypernetTrainingStatus Advance(int maxSteps, CancellationToken cancellation = default)
    {
        var watch = Stopwatch.StartNew();
        var total = 0;
        var trained = 0;
        var stepSeconds = 0.0;   // optimiser steps only: logging, evaluations and checkpoints excluded from the throughput
        while (total < maxSteps && !Done && !cancellation.IsCancellationRequested)
        {
            try
            {
                var stepStarted = Stopwatch.GetTimestamp();
                TrainStep();
                stepSeconds += Stopwatch.GetElapsedTime(stepStarted).TotalSeconds;
            }
            catch (ExternalException error) when (_failuresSinceCheckpoint < MaxFailuresPerCheckpoint && _folder.HasState)
            {
                // A native failure leaves the model and the optimiser half-updated: go back to the last durable state and
                // redo the steps since (each step's batch and noise come from its step number, so they are the same).
                _failuresSinceCheckpoint++;
                var failedAt = Step + 1;
                var elapsed = _elapsedBefore + watch.Elapsed.TotalSeconds;
                RollBack();
                _elapsedBefore = elapsed;
                watch.Restart();
                trained = 0;
                stepSeconds = 0;
                var recovery = $"step {failedAt} failed in native code ({error.Message.Split('\n')[0].Trim()}); continued from the checkpoint at step {Step}";
                _recoveries.Add(recovery);
                _folder.AppendRecovery(recovery);
                continue;
            }

            total++;
            trained++;
            Step++;
            if (Step % _options.LogEvery == 0 || Done)
            {
                _lastHeldOut = MeasureHeldOutLoss();
                _log.Add(new TrainingLogEntry(Step, _runningLoss / Math.Max(1, _runningCount), _lastHeldOut, CurrentLearningRate(), _elapsedBefore + watch.Elapsed.TotalSeconds));
                _folder.AppendLog(_log[^1]);
                _runningLoss = 0;
                _runningCount = 0;
                ProcessMemory.TrimNative();
            }

            if (Step % _options.EvaluateEvery == 0 || Done)
            {
                Publish(_elapsedBefore + watch.Elapsed.TotalSeconds);
            }

            if (Step % _options.CheckpointEvery == 0 && !Done)
            {
                _samplesPerSecond = trained * _options.BatchSize / stepSeconds;
                SaveState(_elapsedBefore + watch.Elapsed.TotalSeconds);
                _failuresSinceCheckpoint = 0;
                _elapsedBefore += watch.Elapsed.TotalSeconds;
                watch.Restart();
                trained = 0;
                stepSeconds = 0;
            }
        }

        if (trained > 0)
        {
            _samplesPerSecond = trained * _options.BatchSize / stepSeconds;
        }

        _elapsedBefore += watch.Elapsed.TotalSeconds;
        SaveState(_elapsedBefore);
        var status = Status();
        _folder.WriteStatus(status);
        return status;
    }

    /// <summary>Optimiser steps only: no logging, evaluation or checkpoint (what a throughput benchmark times).</summary>
    public void RunTrainingSteps(int count)
    {
        for (var i = 0; i < count; i++)
        {
            TrainStep();
            Step++;
        }
    }

    /// <summary>
    /// Where the training stands. The losses are the last logged ones, kept across calls that log nothing; before the
    /// first log entry the train loss is the mean over the steps trained so far and the held-out loss is NaN.
    /// </summary>
    public HypernetTrainingStatus Status()
    {
        var best = _folder.ReadBest();
        var latest = _log.LastOrDefault(e => e.Alignment is not null);
        var last = _log.LastOrDefault(e => e.TrainLoss > 0);
        var trainLoss = last?.TrainLoss ?? (_runningCount > 0 ? _runningLoss / _runningCount : double.NaN);
        return new HypernetTrainingStatus(
            _options.Variant, _options.Preset, Step, _options.Steps, trainLoss, last?.HeldOutLoss ?? double.NaN,
            CurrentLearningRate(), _elapsedBefore, _samplesPerSecond, best?.Version, best?.Score,
            latest is null ? null : TrainingFolder.VersionName(latest.Step), latest?.Alignment, latest?.Pearson);
    }

    /// <summary>Measures prompt alignment of the EMA model now, without publishing.</summary>
    public AlignmentReport Evaluate() =>
        _alignment.Evaluate(_ema, Step, _options.EvaluationNets, _options.Prompts, _options.Sampler, _options.SamplingSteps, _options.Seed + 7);

    /// <summary>Measures prompt alignment of any model of this training (e.g. a published version) with other sampler settings.</summary>
    public AlignmentReport Evaluate(HypernetModel model, int step, int nets, string sampler, int steps, double? guidance = null) =>
        _alignment.Evaluate(model, step, nets, _options.Prompts, sampler, steps, _options.Seed + 7, guidance);

    public void Dispose()
    {
        _optimizer.Dispose();
        _emaDecay.Dispose();
        _emaRate.Dispose();
        _model.Dispose();
        _ema.Dispose();
        _train.Dispose();
        _heldOut.Dispose();
    }

    private void TrainStep()
    {
        using var scope = NewDisposeScope();
        _model.Denoiser.train();
        var rng = new Random(unchecked((_options.Seed * 1_000_003) + Step));
        using var generator = new Generator((ulong)((_options.Seed * 1_000_003L) + Step), _model.Device);
        var loss = DiffusionLoss(_model, _train, _trainPairs, _options.BatchSize, rng, generator, _options.Permute, _options.ConditionDropout, _options.ScaleAugmentation);
        _optimizer.zero_grad();
        loss.backward();
        nn.utils.clip_grad_norm_(_model.Denoiser.parameters(), _options.GradientClip);
        var rate = CurrentLearningRate();
        foreach (var group in _optimizer.ParamGroups)
        {
            group.LearningRate = rate;
        }

        _optimizer.step();
        AfterOptimizerStep?.Invoke(Step + 1);
        using (no_grad())
        {
            // EMA of the parameters only (G.pt), updated after every optimiser step.
            foreach (var (ema, live) in _ema.Denoiser.parameters().Zip(_model.Denoiser.parameters()))
            {
                ema.mul_(_emaDecay).add_(live, _emaRate);
            }
        }

        _runningLoss += loss.item<float>();
        _runningCount++;
    }

    /// <summary>
    /// Weighted x0 MSE of one batch of pairs (spec §4.2): uniform t, q_sample, predict, compare with θ*. A fraction
    /// <paramref name="conditionDropout"/> of the pairs is predicted without its target losses (classifier-free guidance).
    /// </summary>
    private Tensor DiffusionLoss(HypernetModel model, CheckpointRuns data, PairSampler pairs, int batch, Random rng, Generator generator, bool permute, double conditionDropout = 0, double scaleAugmentation = 0, int rowsPerPass = int.MaxValue)
    {
        var device = model.Device;
        var (targetRows, currentRows) = pairs.Draw(batch, rng);
        // Only this batch's rows are read from the source (the dataset stays in the shards), then moved to the model's device.
        var target = data.Normalized(targetRows).to(device);
        var current = currentRows is null ? null : data.Normalized(currentRows).to(device);
        if (permute)
        {
            // One permutation per pair, the same for θ and θ* (spec §5.3).
            var index = HiddenUnitPermutation.RandomIndices(model.Layout, batch, rng, device);
            target = target.gather(1, index);
            current = current?.gather(1, index);
        }

        if (scaleAugmentation > 0)
        {
            // One rescaling per pair, the same for θ and θ*; the normaliser only scales tensors, so it commutes.
            var factors = HiddenUnitScaling.RandomFactors(model.Layout, batch, scaleAugmentation, rng, device);
            target = target * factors;
            current = current is null ? null : current * factors;
        }

        var targetLoss = data.Losses.index_select(0, tensor(targetRows)).to(device);
        var currentLoss = currentRows is null ? null : data.Losses.index_select(0, tensor(currentRows)).to(device);
        var steps = randint(0, GaussianDiffusion.TrainingSteps, [batch], generator: generator, device: device);
        var noise = randn([batch, model.Layout.Count], generator: generator, device: device);
        var noisy = _diffusion.QSample(target, steps, noise);
        var unconditioned = conditionDropout > 0 ? rand([batch], generator: generator, device: device) < conditionDropout : null;
        var predicted = model.Denoiser.Predict(noisy, steps, targetLoss, current, currentLoss, unconditioned, rowsPerPass);
        return ((predicted - target).square() * _lossWeights).sum(1).mean();
    }

    /// <summary>
    /// The diffusion loss of the live (non-EMA) model on a fixed batch of up to 512 held-out pairs, as G.pt's test loss,
    /// predicted in passes of <paramref name="rowsPerPass"/> rows (default: the training batch; one pass of 512 rows is
    /// several times slower a row on a CPU, see <c>lethe bench train</c>).
    /// </summary>
    public double MeasureHeldOutLoss(int? rowsPerPass = null)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        _model.Denoiser.eval();
        var rng = new Random(_options.Seed + 99);
        using var generator = new Generator((ulong)_options.Seed + 99, _model.Device);
        return DiffusionLoss(_model, _heldOut, _heldOutPairs, HeldOutBatch, rng, generator, permute: false, rowsPerPass: rowsPerPass ?? _options.BatchSize).item<float>();
    }

    /// <summary>Pairs in the held-out loss's batch: 512, or the held-out checkpoints' count when between 64 and 512.</summary>
    public int HeldOutBatch => Math.Min(512, Math.Max(64, _heldOut.Count));

    private double CurrentLearningRate() => CosineSchedule.At(Step, _options.Steps, _options.LearningRate, _options.WarmupSteps);

    private void Publish(double elapsed)
    {
        var report = Evaluate();
        _folder.PublishVersion(Step, _ema, report, $"{_options.Variant} {_options.Preset} step {Step}");
        var entry = new TrainingLogEntry(Step, 0, _lastHeldOut, CurrentLearningRate(), elapsed, report.AlignmentByClass(), report.PearsonByClass());
        _log.Add(entry);
        _folder.AppendLog(entry);
        _folder.WriteLearningCurves(_log, $"{_options.Variant} {_options.Preset}");
        ProcessMemory.Trim();
    }

    /// <summary>Commits the model, the EMA (as <c>model/</c> and <c>ema/</c> tensors) and the optimiser at <see cref="Step"/>.</summary>
    private void SaveState(double elapsed)
    {
        var tensors = _model.NamedTensors().Select(p => ("model/" + p.Name, p.Tensor))
            .Concat(_ema.NamedTensors().Select(p => ("ema/" + p.Name, p.Tensor)))
            .Select(p => SafetensorsTensor.Of(p.Item1, p.Tensor.detach().cpu().contiguous().data<float>().ToArray(), p.Tensor.shape))
            .ToList();
        _folder.SaveState(Step, elapsed, tensors, _optimizer.save_state_dict);
        ProcessMemory.Trim();
    }

    /// <summary>Back to the last durable state: weights, EMA, optimiser, step and the log up to it.</summary>
    private void RollBack()
    {
        _log.Clear();
        _runningLoss = 0;
        _runningCount = 0;
        Resume();
    }

    private void Resume()
    {
        if (_folder.LoadState() is not { } state)
        {
            return;
        }

        using (no_grad())
        {
            foreach (var (prefix, model) in new[] { ("model/", _model), ("ema/", _ema) })
            {
                foreach (var (name, target) in model.NamedTensors())
                {
                    var stored = state.Tensors.TryGetValue(prefix + name, out var t) ? t : throw new InvalidDataException($"The training state at step {state.Step} lacks {prefix + name}.");
                    target.copy_(tensor(stored.AsFloats(), stored.Shape));
                }
            }
        }

        _optimizer.load_state_dict(state.OptimizerFile);
        Step = state.Step;
        _elapsedBefore = state.ElapsedSeconds;
        _log.AddRange(_folder.TruncateLog(Step));
    }

    private static void CopyParameters(HypernetModel from, HypernetModel to)
    {
        foreach (var ((_, source), (_, target)) in from.NamedTensors().Zip(to.NamedTensors()))
        {
            target.copy_(source);
        }
    }

    /// <summary>Per-parameter weights of the squared error: 1/P each ("element"), or 1/(tensors × numel) ("tensor").</summary>
    private static Tensor LossWeights(HypernetModel model, string weighting)
    {
        var layout = model.Layout;
        var weights = new float[layout.Count];
        foreach (var t in layout.Tensors)
        {
            Array.Fill(weights, weighting == "tensor" ? 1f / (layout.Tensors.Count * t.Count) : 1f / layout.Count, t.Offset, t.Count);
        }

        return tensor(weights, device: model.Device);
    }

}
