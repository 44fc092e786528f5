namespace Lethe.ML.Hypernet;

/// <summary>
/// A trained hypernetwork a training starts from, and the name its versions record it by (<c>warm_start</c>). Only a new
/// training reads the model: one resumed from its state passes the name alone (<see cref="Named"/>), so a resume neither
/// reads the source again nor fails once it is deleted.
/// </summary>
public sealed record WarmStart(string Name, HypernetModel? Model)
{
    /// <summary>The warm start of a training that resumes from its own state.</summary>
    public static WarmStart Named(string name) => new(name, null);
}
