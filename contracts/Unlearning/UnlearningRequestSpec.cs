namespace Lethe.Contracts.Unlearning;

/// <summary>
/// What to forget: a trained task net (an MLP safetensors state dict: fc1.weight, fc1.bias, fc2.weight, fc2.bias), the
/// classes to forget and the method (<c>retrain</c>, <c>finetune</c>, <c>neggrad</c>, <c>neggrad+</c>, <c>randomlabel</c>,
/// <c>ssd</c>, <c>tasknegation</c>, or <c>dihyfo1</c>/<c>dihyfo2</c> with a published hypernetwork).
/// </summary>
/// <param name="Preset">Task preset (<c>mnist4</c>, <c>mnist</c>); null picks the one whose architecture the model has.</param>
/// <param name="Tenant">The tenant the request is charged to.</param>
/// <param name="Data"><c>npm</c> (the bundled digits) or a folder of MNIST IDX files on the silos.</param>
/// <param name="Hypernet"><c>dihyfo1</c>/<c>dihyfo2</c>: name of the published hypernetwork (model registry) to sample from.</param>
/// <param name="HypernetVersion">A published version of it; null takes the best-aligned one.</param>
/// <param name="Checkpoints">Collection job ids whose checkpoints set the target-loss prompts; null takes the ones the hypernetwork was trained on.</param>
/// <param name="Candidates">Sampled models the best on the validation split is chosen from.</param>
/// <param name="ForgetQuantile">DiHyFo: a forgotten class is prompted at this quantile of the losses of checkpoints that never learned it; null keeps the default.</param>
/// <param name="RetainQuantile">DiHyFo: a retained class is prompted at this quantile of its losses; null keeps the default.</param>
/// <param name="ForgetFraction">Instead of <c>Forget</c>: forget this fraction of the training samples, drawn with <c>Seed</c>.</param>
/// <param name="ForgetSamples">Instead of <c>Forget</c>: the training-sample indices to forget.</param>
/// <param name="Guidance">DiHyFo: classifier-free guidance scales the candidates are spread over; null keeps the hypernetwork's default ladder.</param>
[GenerateSerializer, Immutable, Alias("lethe.unlearning-request-spec")]
public sealed record UnlearningRequestSpec(
    [property: Id(0)] byte[] Model,
    [property: Id(1)] int[] Forget,
    [property: Id(2)] string Method,
    [property: Id(3)] string? Preset = null,
    [property: Id(4)] int Seed = 1,
    [property: Id(5)] string Tenant = "default",
    [property: Id(6)] string Data = "npm",
    [property: Id(7)] string? Hypernet = null,
    [property: Id(8)] string? HypernetVersion = null,
    [property: Id(9)] string[]? Checkpoints = null,
    [property: Id(10)] int Candidates = 64,
    [property: Id(11)] double? ForgetQuantile = null,
    [property: Id(12)] double? RetainQuantile = null,
    [property: Id(13)] double[]? Guidance = null,
    [property: Id(14)] double? ForgetFraction = null,
    [property: Id(15)] int[]? ForgetSamples = null)
{
    /// <summary>SHA-256 over every field (the model by its own hash), so a replay with any other field is told apart.</summary>
    public string Fingerprint()
    {
        static string Join<T>(IEnumerable<T>? values) => values is null ? "-" : string.Join(",", values.Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)));
        var text = string.Join("\n",
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Model ?? [])), Method?.ToLowerInvariant(), Preset?.ToLowerInvariant() ?? "-",
            Join((Forget ?? []).Distinct().Order()), Seed, Tenant, Data, Hypernet ?? "-", HypernetVersion ?? "-", Join(Checkpoints?.Distinct().Order()), Candidates,
            Join([ForgetQuantile]), Join([RetainQuantile]), Join(Guidance), Join([ForgetFraction]), Join(ForgetSamples));
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
    }
}
