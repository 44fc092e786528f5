using static TorchSharp.torch;

namespace Lethe.ML.Data;

/// <summary>Images as rows of <see cref="Width"/> floats in [0, 1] with integer labels.</summary>
public sealed class LabeledImages
{
    public LabeledImages(float[] pixels, int[] labels, int width = TaskPreset.ImageSize)
    {
        if (pixels.Length != labels.Length * width)
        {
            throw new ArgumentException($"{labels.Length} labels need {labels.Length * width} pixels; got {pixels.Length}.");
        }

        Pixels = pixels;
        Labels = labels;
        Width = width;
    }

    public float[] Pixels { get; }

    public int[] Labels { get; }

    public int Width { get; }

    public int Count => Labels.Length;

    public LabeledImages Select(IReadOnlyList<int> indices)
    {
        var pixels = new float[indices.Count * Width];
        var labels = new int[indices.Count];
        for (var i = 0; i < indices.Count; i++)
        {
            Array.Copy(Pixels, (long)indices[i] * Width, pixels, (long)i * Width, Width);
            labels[i] = Labels[indices[i]];
        }

        return new LabeledImages(pixels, labels, Width);
    }

    /// <summary>Only the samples whose label is in <paramref name="classes"/>.</summary>
    public LabeledImages WhereLabel(Func<int, bool> keep) =>
        Select(Enumerable.Range(0, Count).Where(i => keep(Labels[i])).ToArray());

    public int CountOf(int label) => Labels.Count(l => l == label);

    /// <summary>
    /// A deterministic stratified split: within each class the samples are shuffled with <paramref name="seed"/> and the
    /// first round(fraction · n) go to the first part.
    /// </summary>
    public (LabeledImages First, LabeledImages Second) SplitStratified(double fraction, int seed)
    {
        var rng = new Random(seed);
        var first = new List<int>();
        var second = new List<int>();
        foreach (var label in Labels.Distinct().Order())
        {
            var members = Enumerable.Range(0, Count).Where(i => Labels[i] == label).ToArray();
            rng.Shuffle(members);
            var take = (int)Math.Round(fraction * members.Length);
            first.AddRange(members.Take(take));
            second.AddRange(members.Skip(take));
        }

        first.Sort();
        second.Sort();
        return (Select(first), Select(second));
    }

    public Tensor ImagesTensor(Device? device = null) => tensor(Pixels, [Count, Width], device: device);

    public Tensor LabelsTensor(Device? device = null) => tensor(Labels.Select(l => (long)l).ToArray(), [Count], device: device);
}
