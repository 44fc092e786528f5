using System.Globalization;
using System.Security.Cryptography;
using Lethe.ML.Data;

namespace Lethe.ML.Evaluation;

/// <summary>
/// What a request forgets, named one of three ways: whole classes (the HyperForget setting), a seeded random fraction of
/// the training set D, or training-sample indices into D (the InvWNN paper's random-sample forgetting). Indices count
/// the samples of D in the order <see cref="ForgetSplit"/> lists them (the preset's train split minus its validation
/// carve-out), so a fraction and its indices name the same samples.
/// </summary>
public sealed record ForgetSet
{
    private ForgetSet(int[] classes, double? fraction, int fractionSeed, int[]? samples)
    {
        Classes = classes;
        Fraction = fraction;
        FractionSeed = fractionSeed;
        Samples = samples;
    }

    /// <summary>The forget classes, sorted (empty when samples are forgotten).</summary>
    public int[] Classes { get; }

    /// <summary>A fraction of D drawn with <see cref="FractionSeed"/>, or null.</summary>
    public double? Fraction { get; }

    public int FractionSeed { get; }

    /// <summary>Sample indices into D, sorted, or null.</summary>
    public int[]? Samples { get; }

    /// <summary>True for class forgetting; false for a fraction or sample indices.</summary>
    public bool ByClass => Fraction is null && Samples is null;

    public static ForgetSet OfClasses(IEnumerable<int> classes) => new(classes.Distinct().Order().ToArray(), null, 0, null);

    /// <summary>A random fraction of D in (0, 1), drawn with <paramref name="seed"/>.</summary>
    public static ForgetSet OfFraction(double fraction, int seed)
    {
        if (!double.IsFinite(fraction) || fraction is <= 0 or >= 1)
        {
            throw new ArgumentException($"The forget fraction must lie strictly between 0 and 1 (e.g. 0.1 or 0.5); got {fraction.ToString(CultureInfo.InvariantCulture)}.");
        }

        return new ForgetSet([], fraction, seed, null);
    }

    /// <summary>Distinct, non-negative indices into D (their upper bound is checked against D in <see cref="Indices"/>).</summary>
    public static ForgetSet OfSamples(IReadOnlyCollection<int> indices)
    {
        if (indices.Count == 0)
        {
            throw new ArgumentException("The forget samples are empty; list one or more training-sample indices (0-based, into the training set D).");
        }

        if (indices.FirstOrDefault(i => i < 0) is var negative && negative < 0)
        {
            throw new ArgumentException($"Forget sample index {negative} is negative; indices count the training set D from 0.");
        }

        var repeated = indices.GroupBy(i => i).Where(g => g.Count() > 1).Select(g => g.Key).Take(5).ToArray();
        if (repeated.Length > 0)
        {
            throw new ArgumentException($"Forget sample indices repeat ({string.Join(", ", repeated)}); list each sample once.");
        }

        return new ForgetSet([], null, 0, indices.Order().ToArray());
    }

    /// <summary>
    /// Exactly one of classes, a fraction or samples (the request schema's three fields); the message says which were given.
    /// </summary>
    public static ForgetSet Of(IReadOnlyCollection<int>? classes, double? fraction, IReadOnlyCollection<int>? samples, int seed)
    {
        var given = new[] { classes is { Count: > 0 }, fraction is not null, samples is not null }.Count(g => g);
        if (given > 1)
        {
            throw new ArgumentException("Name the forget set one way: classes, a fraction of the training samples, or sample indices, never more than one.");
        }

        return fraction is { } f ? OfFraction(f, seed) : samples is not null ? OfSamples(samples) : OfClasses(classes ?? []);
    }

    /// <summary>Checks that need no data: a class set against the preset (non-empty, no pivot, not every class).</summary>
    public ForgetSet Validated(TaskPreset preset)
    {
        if (ByClass)
        {
            if (Classes.Length == 0)
            {
                throw new ArgumentException(
                    $"The forget set is empty; name one or more of the non-pivot classes {string.Join(", ", preset.NonPivots)}, or training samples instead (a fraction of D or sample indices).");
            }

            preset.RequireForgetSet(Classes);
        }

        return this;
    }

    /// <summary>
    /// The forgotten rows of D (of <paramref name="trainCount"/> samples), sorted: the given indices (each checked against
    /// D), or round(fraction · |D|) rows of a seeded shuffle. At least one sample of D is always retained.
    /// </summary>
    public int[] Indices(int trainCount)
    {
        if (ByClass)
        {
            throw new InvalidOperationException("A class forget set has no sample indices; the split selects its classes.");
        }

        int[] rows;
        if (Samples is { } samples)
        {
            if (samples[^1] >= trainCount)
            {
                throw new ArgumentException($"Forget sample index {samples[^1]} is outside the training set D, which has {trainCount} samples (indices 0 to {trainCount - 1}).");
            }

            rows = samples;
        }
        else
        {
            var order = Enumerable.Range(0, trainCount).ToArray();
            new Random(FractionSeed).Shuffle(order);
            var count = (int)Math.Clamp(Math.Round(Fraction!.Value * trainCount), 1, trainCount);
            rows = order[..count];
            Array.Sort(rows);
        }

        if (rows.Length >= trainCount)
        {
            throw new ArgumentException($"The forget set covers all {trainCount} samples of D; at least one sample must be retained.");
        }

        return rows;
    }

    /// <summary>How people read it: <c>{2,3}</c>, <c>random 10%</c>, <c>600 samples</c>.</summary>
    public string Name => ByClass
        ? $"{{{string.Join(",", Classes)}}}"
        : Fraction is { } f ? $"random {(f * 100).ToString("0.##", CultureInfo.InvariantCulture)}%" : $"{Samples!.Length} samples";

    /// <summary>
    /// A file- and registry-safe key that tells forget sets apart: <c>2-3</c>, <c>random10-seed4</c>,
    /// <c>samples-600-1a2b3c4d5e6f</c> (a hash of the indices).
    /// </summary>
    public string Key => ByClass
        ? string.Join("-", Classes)
        : Fraction is { } f
            ? $"random{(f * 100).ToString("0.##", CultureInfo.InvariantCulture).Replace('.', 'p')}-seed{FractionSeed}"
            : $"samples-{Samples!.Length}-{Convert.ToHexStringLower(SHA256.HashData(Samples.SelectMany(BitConverter.GetBytes).ToArray()))[..12]}";

    public override string ToString() => Name;
}
