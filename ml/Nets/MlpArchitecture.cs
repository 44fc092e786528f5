namespace Lethe.ML.Nets;

/// <summary>The task nets of the HyperForget paper (§4): input -> hidden (ReLU) -> classes.</summary>
public sealed record MlpArchitecture(int Input, int Hidden, int Classes)
{
    public override string ToString() => $"{Input}-{Hidden}-{Classes}";

    /// <summary>Parses "784-2-4".</summary>
    public static MlpArchitecture Parse(string text)
    {
        var parts = text.Split('-');
        if (parts.Length != 3 || !parts.All(p => int.TryParse(p, out var v) && v > 0))
        {
            throw new FormatException($"'{text}' is not an MLP architecture; expected input-hidden-classes, e.g. 784-2-4.");
        }

        return new MlpArchitecture(int.Parse(parts[0]), int.Parse(parts[1]), int.Parse(parts[2]));
    }
}
