using System.Text.Json;
using Lethe.ML.Data;
using Lethe.ML.Hypernet;
using Lethe.ML.Nets;
using Lethe.ML.Storage;

namespace Lethe.ML.Unlearning;

/// <summary>
/// The sorted class losses of a set of checkpoints, kept whole up to <see cref="Points"/> values and as
/// <see cref="Points"/> evenly spaced order statistics (minimum and maximum included) beyond: a quantile is then
/// exact for datasets of up to 16,385 checkpoints and, beyond, off by less than the gap between two neighbouring
/// order statistics 1/16,384 of the distribution apart.
/// </summary>
public sealed record LossSketch(int Count, float[] Values)
{
    public const int Points = 16_385;

    public bool IsExact => Values.Length == Count;

    public static LossSketch Of(List<float> values)
    {
        values.Sort();
        if (values.Count <= Points)
        {
            return new LossSketch(values.Count, values.ToArray());
        }

        var n = values.Count;
        var sketch = new float[Points];
        for (var i = 0; i < Points; i++)
        {
            sketch[i] = values[(int)Math.Round((double)i * (n - 1) / (Points - 1))];
        }

        return new LossSketch(n, sketch);
    }

    /// <summary>Linear-interpolation quantile (numpy's default) of the values, or of the order statistics kept.</summary>
    public float Quantile(double q)
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("The quantile of no values is undefined.");
        }

        return Interpolate(Values, q);
    }

    /// <summary>The <paramref name="q"/> quantile of sorted values, interpolated linearly between order statistics.</summary>
    public static float Interpolate(float[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return (float)(sorted[low] + ((position - low) * (sorted[high] - sorted[low])));
    }
}

/// <summary>
/// What a DiHyFo request needs from the checkpoint dataset its hypernetwork was trained on, computed once per dataset
/// (a few MB whatever its size) so that no request reads a shard: per-class loss sketches over all checkpoints and over
/// those that never learned the class while every pivot was accurate (the target-loss prompt), the retrain-like final
/// checkpoints of every forget set a request can name (candidate selection), checkpoints per run, and the parameter
/// normalizer's coefficients (both modes) fitted on the same rows as <see cref="ParameterNormalizer.Fit"/>, so a training
/// need not read them again.
/// </summary>
public sealed class DatasetStatistics : IRetrainLikeCheckpoints
{
    public const string Format = "lethe-dataset-statistics-1";

    private readonly IReadOnlyDictionary<string, Reference> _references;
    private readonly float[] _referenceParams;

    private DatasetStatistics(string task, int checkpoints, int parameterCount, LossSketch[] allLosses, LossSketch[] neverLearnedLosses,
        int[] runIds, int[] runCheckpoints, IReadOnlyDictionary<string, Reference> references, float[] referenceParams,
        IReadOnlyDictionary<string, float[]> normalizers)
    {
        Normalizers = normalizers;
        Task = task;
        Checkpoints = checkpoints;
        ParameterCount = parameterCount;
        AllLosses = allLosses;
        NeverLearnedLosses = neverLearnedLosses;
        RunIds = runIds;
        RunCheckpoints = runCheckpoints;
        _references = references;
        _referenceParams = referenceParams;
    }

    public string Task { get; }

    public int Checkpoints { get; }

    public int ParameterCount { get; }

    public int ClassCount => AllLosses.Length;

    /// <summary>Per class: the losses of every checkpoint.</summary>
    public LossSketch[] AllLosses { get; }

    /// <summary>Per class: the losses of the checkpoints at accuracy ≤ 0.01 on it while every other pivot is ≥ 0.8 accurate.</summary>
    public LossSketch[] NeverLearnedLosses { get; }

    public int[] RunIds { get; }

    public int[] RunCheckpoints { get; }

    /// <summary>Normalizer coefficients by mode (<c>global</c>, <c>tensor</c>); empty in files written before they were stored.</summary>
    public IReadOnlyDictionary<string, float[]> Normalizers { get; }

    /// <summary>The normalizer of <paramref name="mode"/> a fit over this dataset gives, or null when this file predates them.</summary>
    public ParameterNormalizer? Normalizer(string mode) =>
        Normalizers.TryGetValue(mode, out var coefficients) ? new ParameterNormalizer(ParameterLayout.For(TaskPreset.Get(Task).Architecture), coefficients) : null;

    /// <summary>Retrain-like rows stored for the forget sets (every non-empty set of non-pivot classes).</summary>
    public int ReferenceRows => _referenceParams.Length / Math.Max(1, ParameterCount);

    /// <summary>The same rows, in the same order, as <see cref="NeverLearnedReference"/> over the whole dataset gives.</summary>
    public RetrainLikeRows For(IReadOnlyCollection<int> forget)
    {
        if (!_references.TryGetValue(Key(forget), out var reference))
        {
            return new RetrainLikeRows([], 0, 0, false);
        }

        var rows = new float[reference.Rows.Length * ParameterCount];
        for (var i = 0; i < reference.Rows.Length; i++)
        {
            _referenceParams.AsSpan(reference.Rows[i] * ParameterCount, ParameterCount).CopyTo(rows.AsSpan(i * ParameterCount));
        }

        return new RetrainLikeRows(rows, reference.Rows.Length, reference.Matches, reference.PivotsOnly);
    }

    /// <summary>
    /// Computes the statistics in two passes over <paramref name="shards"/> (called twice; it must give the same
    /// batches in the same order), holding only the small columns and the chosen reference rows, never a whole dataset.
    /// </summary>
    /// <param name="normalizerSample">Rows the normalizer is fitted on (<see cref="ParameterNormalizer.SampleSize"/>; tests use fewer).</param>
    public static DatasetStatistics Compute(TaskPreset preset, Func<IEnumerable<CheckpointBatch>> shards, int normalizerSample = ParameterNormalizer.SampleSize)
    {
        var m = preset.Classes.Length;
        var all = Enumerable.Range(0, m).Select(_ => new List<float>()).ToArray();
        var never = Enumerable.Range(0, m).Select(_ => new List<float>()).ToArray();
        var runs = new List<int>();
        var steps = new List<int>();
        var accuracies = new List<float>();
        var parameterCount = -1;
        foreach (var shard in shards())
        {
            if (shard.ClassCount != m)
            {
                throw new InvalidDataException($"The checkpoints have {shard.ClassCount} classes; preset {preset.Name} has {m}.");
            }

            parameterCount = parameterCount < 0 ? shard.ParameterCount : parameterCount == shard.ParameterCount ? parameterCount
                : throw new InvalidDataException($"Shards of {parameterCount} and {shard.ParameterCount} parameters cannot be one dataset.");
            for (var row = 0; row < shard.Count; row++)
            {
                var loss = shard.ClassLossOf(row);
                var acc = shard.ClassAccOf(row);
                for (var c = 0; c < m; c++)
                {
                    all[c].Add(loss[c]);
                    var pivotsAccurate = true;
                    foreach (var p in preset.Pivots)
                    {
                        pivotsAccurate &= p == c || acc[p] >= TargetLossPrompt.PivotAccuracy;
                    }

                    if (acc[c] <= TargetLossPrompt.NeverLearnedAccuracy && pivotsAccurate)
                    {
                        never[c].Add(loss[c]);
                    }
                }

                accuracies.AddRange(acc);
            }

            runs.AddRange(shard.Run);
            steps.AddRange(shard.Step);
        }

        if (runs.Count == 0)
        {
            throw new InvalidDataException("The checkpoint dataset is empty; no statistics can be computed from it.");
        }

        var accuracyArray = accuracies.ToArray();
        var finalRows = NeverLearnedReference.FinalRows(runs, steps);
        var references = new Dictionary<string, (int[] Rows, int Matches, bool PivotsOnly)>();
        foreach (var forget in ForgetSets(preset))
        {
            var (chosen, matches, pivotsOnly) = NeverLearnedReference.Choose(finalRows, row => accuracyArray.AsSpan(row * m, m).ToArray(), forget, preset);
            references[Key(forget)] = (chosen, matches, pivotsOnly);
        }

        // The second pass copies only the chosen rows' parameters, each once however many forget sets chose it.
        var needed = references.Values.SelectMany(r => r.Rows).Distinct().Order().ToArray();
        var slot = needed.Select((row, i) => (row, i)).ToDictionary(x => x.row, x => x.i);
        var referenceParams = new float[(long)needed.Length * parameterCount];
        // The same pass feeds the normalizer's sums the rows a fit would read, in the same (row) order.
        var layout = ParameterLayout.For(preset.Architecture);
        var fitted = layout.Count == parameterCount;
        var sums = ParameterNormalizer.Modes.ToDictionary(mode => mode, mode => new ParameterNormalizer.Sums(layout, mode));
        var picked = fitted ? ParameterNormalizer.SampleRows(runs.Count, normalizerSample) : [];
        var next = 0;
        var offset = 0;
        foreach (var shard in shards())
        {
            for (var row = 0; row < shard.Count; row++)
            {
                if (slot.TryGetValue(offset + row, out var i))
                {
                    shard.ParamsOf(row).CopyTo(referenceParams.AsSpan(i * parameterCount, parameterCount));
                }

                for (; next < picked.Length && picked[next] == offset + row; next++)
                {
                    foreach (var mode in sums.Values)
                    {
                        mode.Add(shard.ParamsOf(row));
                    }
                }
            }

            offset += shard.Count;
        }

        var perRun = runs.GroupBy(r => r).OrderBy(g => g.Key).ToArray();
        return new DatasetStatistics(preset.Name, runs.Count, parameterCount,
            all.Select(LossSketch.Of).ToArray(), never.Select(LossSketch.Of).ToArray(),
            perRun.Select(g => g.Key).ToArray(), perRun.Select(g => g.Count()).ToArray(),
            references.ToDictionary(r => r.Key, r => new Reference(r.Value.Rows.Select(row => slot[row]).ToArray(), r.Value.Matches, r.Value.PivotsOnly)),
            referenceParams, fitted ? sums.ToDictionary(s => s.Key, s => s.Value.Coefficients()) : new Dictionary<string, float[]>());
    }

    /// <summary>The statistics of one batch already in memory (a local benchmark's dataset).</summary>
    public static DatasetStatistics Of(CheckpointBatch batch, TaskPreset preset) => Compute(preset, () => [batch]);

    /// <summary>Every forget set a request can name: the non-empty sets of non-pivot classes.</summary>
    public static IEnumerable<int[]> ForgetSets(TaskPreset preset)
    {
        var nonPivots = preset.NonPivots.ToArray();
        for (var mask = 1; mask < 1 << nonPivots.Length; mask++)
        {
            yield return nonPivots.Where((_, i) => (mask & (1 << i)) != 0).ToArray();
        }
    }

    public byte[] Serialize()
    {
        static SafetensorsTensor Flat(string name, LossSketch[] sketches) =>
            SafetensorsTensor.Of(name, sketches.SelectMany(s => s.Values).ToArray(), sketches.Sum(s => s.Values.Length));

        var tensors = new List<SafetensorsTensor>
        {
            Flat("all_loss", AllLosses),
            SafetensorsTensor.Of("all_loss_lengths", AllLosses.Select(s => s.Values.Length).ToArray(), ClassCount),
            SafetensorsTensor.Of("all_loss_counts", AllLosses.Select(s => s.Count).ToArray(), ClassCount),
            Flat("never_learned_loss", NeverLearnedLosses),
            SafetensorsTensor.Of("never_learned_loss_lengths", NeverLearnedLosses.Select(s => s.Values.Length).ToArray(), ClassCount),
            SafetensorsTensor.Of("never_learned_loss_counts", NeverLearnedLosses.Select(s => s.Count).ToArray(), ClassCount),
            SafetensorsTensor.Of("run_ids", RunIds, RunIds.Length),
            SafetensorsTensor.Of("run_checkpoints", RunCheckpoints, RunCheckpoints.Length),
            SafetensorsTensor.Of("reference_params", _referenceParams, ReferenceRows, ParameterCount),
        };
        tensors.AddRange(Normalizers.Select(n => SafetensorsTensor.Of($"normalizer_{n.Key}", n.Value, n.Value.Length)));
        return SafetensorsFile.Write(tensors, new Dictionary<string, string>
        {
            ["format"] = Format,
            ["task"] = Task,
            ["checkpoints"] = Checkpoints.ToString(),
            ["parameters"] = ParameterCount.ToString(),
            ["references"] = JsonSerializer.Serialize(_references),
        });
    }

    /// <exception cref="InvalidDataException">Not a statistics file of this format, or inconsistent.</exception>
    public static DatasetStatistics Deserialize(byte[] bytes, string source)
    {
        var (tensors, metadata) = SafetensorsFile.Read(bytes, source);
        if (metadata.GetValueOrDefault("format") != Format)
        {
            throw new InvalidDataException($"{source} is not a {Format} file (format '{metadata.GetValueOrDefault("format")}').");
        }

        SafetensorsTensor Tensor(string name) => tensors.TryGetValue(name, out var t) ? t : throw new InvalidDataException($"{source} has no tensor '{name}'.");
        LossSketch[] Sketches(string name)
        {
            var values = Tensor(name).AsFloats();
            var lengths = Tensor($"{name}_lengths").AsInts();
            var counts = Tensor($"{name}_counts").AsInts();
            if (lengths.Length != counts.Length || lengths.Sum() != values.Length)
            {
                throw new InvalidDataException($"{source}: the lengths of '{name}' do not add up to its {values.Length} values.");
            }

            var offset = 0;
            return lengths.Select((length, c) =>
            {
                var sketch = new LossSketch(counts[c], values[offset..(offset + length)]);
                offset += length;
                return sketch;
            }).ToArray();
        }

        var parameterCount = int.Parse(metadata["parameters"]);
        var references = JsonSerializer.Deserialize<Dictionary<string, Reference>>(metadata["references"])
            ?? throw new InvalidDataException($"{source} has no references.");
        var referenceParams = Tensor("reference_params").AsFloats();
        var rows = referenceParams.Length / Math.Max(1, parameterCount);
        if (references.Values.Any(r => r.Rows.Any(row => row < 0 || row >= rows)))
        {
            throw new InvalidDataException($"{source}: a reference names a row outside its {rows} reference rows.");
        }

        return new DatasetStatistics(metadata["task"], int.Parse(metadata["checkpoints"]), parameterCount,
            Sketches("all_loss"), Sketches("never_learned_loss"), Tensor("run_ids").AsInts(), Tensor("run_checkpoints").AsInts(),
            references, referenceParams,
            ParameterNormalizer.Modes.Where(mode => tensors.ContainsKey($"normalizer_{mode}")).ToDictionary(mode => mode, mode => Tensor($"normalizer_{mode}").AsFloats()));
    }

    private static string Key(IEnumerable<int> forget) => string.Join(",", forget.Distinct().Order());

    /// <summary>One forget set's retrain-like checkpoints: indices into the stored reference rows, in the order chosen.</summary>
    private sealed record Reference(int[] Rows, int Matches, bool PivotsOnly);
}
