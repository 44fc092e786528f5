namespace Lethe.ML.Hypernet;

/// <summary>A trained hypernetwork a new training starts from, and the name its versions record it by (<c>warm_start</c>).</summary>
public sealed record WarmStart(string Name, HypernetModel Model);
