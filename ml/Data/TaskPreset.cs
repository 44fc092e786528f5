using Lethe.ML.Nets;

namespace Lethe.ML.Data;

/// <summary>
/// A task of the HyperForget paper (§4): which digit classes, which of them are pivots (always kept accurate, never
/// forgotten) and the task net's hidden width.
/// </summary>
public sealed record TaskPreset(string Name, int[] Classes, int[] Pivots, int Hidden)
{
    /// <summary>MNIST-4: digits 0-3, pivots {0,1}, MLP 784-2-4.</summary>
    public static readonly TaskPreset Mnist4 = new("mnist4", [0, 1, 2, 3], [0, 1], 2);

    /// <summary>MNIST: digits 0-9, pivots {5..9}, MLP 784-7-10.</summary>
    public static readonly TaskPreset Mnist = new("mnist", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [5, 6, 7, 8, 9], 7);

    public static IReadOnlyList<TaskPreset> All { get; } = [Mnist4, Mnist];

    public MlpArchitecture Architecture => new(ImageSize, Hidden, Classes.Length);

    public const int ImageSize = 28 * 28;

    /// <summary>Classes that may be forgotten.</summary>
    public int[] NonPivots => Classes.Except(Pivots).ToArray();

    public static TaskPreset Get(string name) =>
        All.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown preset '{name}'; accepted: {string.Join(", ", All.Select(p => p.Name))}.");

    /// <summary>The same task with other pivot classes (at least one, all in the preset, not every class).</summary>
    public TaskPreset WithPivots(IReadOnlyCollection<int> pivots)
    {
        RequireClasses(pivots, "Pivots");
        if (pivots.Count == 0 || pivots.Distinct().Count() >= Classes.Length)
        {
            throw new ArgumentException($"Pivots must be at least one and not every class of preset {Name} ({string.Join(", ", Classes)}).");
        }

        return this with { Pivots = pivots.Distinct().Order().ToArray() };
    }

    /// <summary>Checks that every class belongs to the preset; the message names what is accepted.</summary>
    public void RequireClasses(IEnumerable<int> classes, string what)
    {
        var unknown = classes.Where(c => !Classes.Contains(c)).ToArray();
        if (unknown.Length > 0)
        {
            throw new ArgumentException(
                $"{what}: class {string.Join(", ", unknown)} is not in preset {Name}; accepted classes are {string.Join(", ", Classes)}.");
        }
    }

    /// <summary>
    /// Validates a forget set: non-empty, inside the preset, no pivot, not every class.
    /// </summary>
    public void RequireForgetSet(IReadOnlyCollection<int> forget)
    {
        if (forget.Count == 0)
        {
            throw new ArgumentException($"The forget set is empty; name one or more of the non-pivot classes {string.Join(", ", NonPivots)}.");
        }

        RequireClasses(forget, "Forget set");
        var pivots = forget.Intersect(Pivots).ToArray();
        if (pivots.Length > 0)
        {
            throw new ArgumentException(
                $"The forget set contains pivot class {string.Join(", ", pivots)} of preset {Name}; pivots cannot be forgotten. Forgettable classes: {string.Join(", ", NonPivots)}.");
        }

        if (forget.Distinct().Count() >= Classes.Length)
        {
            throw new ArgumentException("The forget set covers every class; at least one class must be retained.");
        }
    }
}
