using System.Globalization;
using Lethe.ML.Nets;
using Lethe.ML.Storage;
using TorchSharp;
using static TorchSharp.torch;

namespace Lethe.ML.Hypernet;

/// <summary>
/// A trained hypernetwork ready to sample: the denoiser (EMA weights), its options, the task-net layout and the
/// parameter normalization. Saved as one safetensors file (the denoiser's tensors plus metadata). Sampling is
/// synchronous torch work on the calling thread; conditions and results are raw (unnormalized) values.
/// </summary>
public sealed class HypernetModel : IDisposable
{
    public HypernetModel(HypernetOptions options, MlpArchitecture architecture, ParameterNormalizer normalizer, IReadOnlyDictionary<string, string>? metadata = null, Device? device = null)
    {
        Options = options.Validated();
        Layout = ParameterLayout.For(architecture);
        Tokenizer = new ParameterTokenizer(Layout, options.Chunk);
        Normalizer = normalizer;
        Device = device ?? (cuda.is_available() ? CUDA : CPU);
        Denoiser = new WeightDenoiser(options, Tokenizer, architecture.Classes);
        Denoiser.to(Device);
        Metadata = metadata ?? new Dictionary<string, string>();
    }

    public HypernetOptions Options { get; }

    public HypernetVariant Variant => Options.Kind;

    public ParameterLayout Layout { get; }

    public ParameterTokenizer Tokenizer { get; }

    public ParameterNormalizer Normalizer { get; }

    public WeightDenoiser Denoiser { get; }

    public Device Device { get; }

    /// <summary>Free-form facts saved with the model: dataset, preset, pivots, step, alignment.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; }

    /// <summary>Loss values per condition vector: the class count, or 1 for G.pt.</summary>
    public int LossWidth => Denoiser.LossWidth;

    public static HypernetModel Load(string path, Device? device = null)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot read hypernetwork file {path}: {e.Message}", e);
        }

        var (tensors, metadata) = SafetensorsFile.Read(bytes, path);
        string Meta(string key) => metadata.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"{path} is not a hypernetwork file: its metadata lacks '{key}'.");
        var options = HypernetOptions.FromJson(Meta("options"), path);
        var architecture = MlpArchitecture.Parse(Meta("architecture"));
        var coefficients = Meta("normalization").Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var model = new HypernetModel(options, architecture, new ParameterNormalizer(ParameterLayout.For(architecture), coefficients), metadata, device);
        using var _ = no_grad();
        foreach (var (name, target) in model.NamedTensors())
        {
            if (!tensors.TryGetValue(name, out var stored) || !stored.Shape.SequenceEqual(target.shape))
            {
                model.Dispose();
                throw new InvalidDataException($"{path}: tensor '{name}' is missing or has another shape than options {options.Preset}/{options.Variant} need.");
            }

            target.copy_(tensor(stored.AsFloats(), stored.Shape));
        }

        return model;
    }

    public void Save(string path, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var metadata = new Dictionary<string, string>(Metadata)
        {
            ["format"] = "lethe-hypernet-1",
            ["options"] = Options.ToJson(),
            ["variant"] = Options.Variant,
            ["architecture"] = Layout.Architecture.ToString(),
            ["normalization"] = string.Join(",", Normalizer.Coefficients.Select(c => c.ToString("R", CultureInfo.InvariantCulture))),
        };
        foreach (var (key, value) in extraMetadata ?? new Dictionary<string, string>())
        {
            metadata[key] = value;
        }

        var tensors = NamedTensors().Select(p => SafetensorsTensor.Of(p.Name, p.Tensor.detach().cpu().contiguous().data<float>().ToArray(), p.Tensor.shape)).ToList();
        ShardFolder.WriteAtomically(path, SafetensorsFile.Write(tensors, metadata));
    }

    /// <summary>Every tensor a saved model holds: the denoiser's parameters and the DiHyFo-2 base.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> NamedTensors() =>
        Denoiser.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Append(("base_params", Denoiser.Base));

    /// <summary>Samples <paramref name="count"/> raw parameter vectors for one set of conditions.</summary>
    public float[][] Sample(SampleConditions conditions, int count, long seed, int steps = 50, string sampler = "ddim")
    {
        using var scope = NewDisposeScope();
        var target = tensor(Repeat(CheckWidth(conditions.TargetLoss, LossWidth, "target loss"), count), [count, LossWidth]);
        Tensor? current = null, currentLoss = null;
        if (Variant.ConditionsOnCurrent)
        {
            current = tensor(Repeat(CheckWidth(conditions.Current ?? throw new ArgumentException($"{Variant} needs the current parameters to sample from."), Layout.Count, "current parameters"), count), [count, Layout.Count]);
            currentLoss = tensor(Repeat(CheckWidth(conditions.CurrentLoss ?? throw new ArgumentException($"{Variant} needs the current losses to sample from."), LossWidth, "current loss"), count), [count, LossWidth]);
        }

        var flat = Sample(target, current, currentLoss, seed, steps, sampler).cpu().data<float>().ToArray();
        return Enumerable.Range(0, count).Select(i => flat[(i * Layout.Count)..((i + 1) * Layout.Count)]).ToArray();
    }

    /// <summary>
    /// Raw parameters [N, P] for raw conditions: target losses [N, w] and, for DiHyFo-1 / G.pt, current raw parameters
    /// [N, P] and their losses [N, w]. The same seed gives the same samples.
    /// </summary>
    public Tensor Sample(Tensor targetLoss, Tensor? current, Tensor? currentLoss, long seed, int steps = 50, string sampler = "ddim")
    {
        if (Variant.ConditionsOnCurrent && (current is null || currentLoss is null))
        {
            throw new ArgumentException($"{Variant} samples from current parameters and their losses; pass both.");
        }

        var diffusion = GaussianDiffusion.Linear().Respaced(steps);
        using var generator = new Generator((ulong)seed, Device);
        var n = targetLoss.shape[0];
        using var _ = no_grad();
        Denoiser.eval();
        var target = targetLoss.to(Device);
        var normalizedCurrent = current is null ? null : Normalizer.Normalize(current.to(Device));
        var currentLosses = currentLoss?.to(Device);
        Tensor Predict(Tensor x, Tensor t) => Denoiser.Predict(x, t, target, Variant.ConditionsOnCurrent ? normalizedCurrent : null, Variant.ConditionsOnCurrent ? currentLosses : null);
        long[] shape = [n, Layout.Count];
        var normalized = sampler switch
        {
            "ddim" => diffusion.SampleDdim(Predict, shape, generator, Device),
            "ddpm" => diffusion.SampleDdpm(Predict, shape, generator, Device),
            _ => throw new ArgumentException($"Unknown sampler '{sampler}'; accepted: ddim, ddpm."),
        };
        return Normalizer.Denormalize(normalized);
    }

    public void Dispose() => Denoiser.Dispose();

    private static float[] CheckWidth(float[] values, int width, string what) =>
        values.Length == width ? values : throw new ArgumentException($"The {what} needs {width} values; got {values.Length}.");

    private static float[] Repeat(float[] row, int count) => Enumerable.Range(0, count).SelectMany(_ => row).ToArray();
}
