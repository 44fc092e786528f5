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

        return Load(bytes, path, device);
    }

    /// <summary>A model from the bytes of its file; <paramref name="path"/> names it in errors (a file path or an artifact key).</summary>
    public static HypernetModel Load(byte[] bytes, string path, Device? device = null)
    {
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

    /// <summary>Every tensor a saved model holds: the denoiser's parameters and the fixed base (DiHyFo-2, MeanBase).</summary>
    public IEnumerable<(string Name, Tensor Tensor)> NamedTensors() =>
        Denoiser.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Append(("base_params", Denoiser.Base));

    /// <summary>Samples <paramref name="count"/> raw parameter vectors for one set of conditions.</summary>
    public float[][] Sample(SampleConditions conditions, int count, long seed, int steps = 50, string sampler = "ddim", double? guidance = null)
    {
        using var scope = NewDisposeScope();
        var target = tensor(Repeat(CheckWidth(conditions.TargetLoss, LossWidth, "target loss"), count), [count, LossWidth]);
        Tensor? current = null, currentLoss = null;
        if (Variant.ConditionsOnCurrent)
        {
            current = tensor(Repeat(CheckWidth(conditions.Current ?? throw new ArgumentException($"{Variant} needs the current parameters to sample from."), Layout.Count, "current parameters"), count), [count, Layout.Count]);
            currentLoss = tensor(Repeat(CheckWidth(conditions.CurrentLoss ?? throw new ArgumentException($"{Variant} needs the current losses to sample from."), LossWidth, "current loss"), count), [count, LossWidth]);
        }

        var flat = Sample(target, current, currentLoss, seed, steps, sampler, guidance).cpu().data<float>().ToArray();
        return Enumerable.Range(0, count).Select(i => flat[(i * Layout.Count)..((i + 1) * Layout.Count)]).ToArray();
    }

    /// <summary>
    /// Raw parameters [N, P] for raw conditions: target losses [N, w] and, for DiHyFo-1 / G.pt, current raw parameters
    /// [N, P] and their losses [N, w]. The same seed gives the same samples. <paramref name="guidance"/> (default: the
    /// options' <see cref="HypernetOptions.Guidance"/>, else 1) is the classifier-free guidance scale.
    /// </summary>
    public Tensor Sample(Tensor targetLoss, Tensor? current, Tensor? currentLoss, long seed, int steps = 50, string sampler = "ddim", double? guidance = null)
    {
        var scale = GuidanceScale(guidance);
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
        var normalizedCurrent = current is null || !Variant.ConditionsOnCurrent ? null : Normalizer.Normalize(current.to(Device));
        var currentLosses = Variant.ConditionsOnCurrent ? currentLoss?.to(Device) : null;
        Tensor Predict(Tensor x, Tensor t) => scale == 1
            ? Denoiser.Predict(x, t, target, normalizedCurrent, currentLosses)
            : Guided(x, t, target, normalizedCurrent, currentLosses, (float)scale);
        long[] shape = [n, Layout.Count];
        var normalized = sampler switch
        {
            "ddim" => diffusion.SampleDdim(Predict, shape, generator, Device),
            "ddpm" => diffusion.SampleDdpm(Predict, shape, generator, Device),
            _ => throw new ArgumentException($"Unknown sampler '{sampler}'; accepted: ddim, ddpm."),
        };
        return Normalizer.Denormalize(normalized);
    }

    /// <summary>
    /// The guidance scale a sample is drawn with: <paramref name="requested"/>, else the options', else 1. Throws when it
    /// is not positive, or differs from 1 on a model trained without condition dropout (no null tokens to guide with).
    /// </summary>
    public double GuidanceScale(double? requested = null)
    {
        var scale = requested ?? Options.Guidance ?? 1;
        if (!(scale > 0))
        {
            throw new ArgumentException($"The guidance scale must be positive; got {scale}.");
        }

        if (scale != 1 && !Denoiser.CanPredictUnconditionally)
        {
            throw new ArgumentException($"Guidance {scale} needs a hypernetwork trained with condition dropout ('lethe train --condition-dropout'); this {Options.Variant}/{Options.Preset} one was not, so only guidance 1 is accepted.");
        }

        return scale;
    }

    /// <summary>x̂0(∅) + w·(x̂0(ℓ*) − x̂0(∅)), both predictions from one forward pass over the doubled batch.</summary>
    private Tensor Guided(Tensor x, Tensor t, Tensor target, Tensor? current, Tensor? currentLoss, float scale)
    {
        var n = x.shape[0];
        static Tensor? Twice(Tensor? v) => v is null ? null : cat([v, v], 0);
        var unconditioned = cat([zeros(n, ScalarType.Bool, x.device), ones(n, ScalarType.Bool, x.device)], 0);
        var both = Denoiser.Predict(Twice(x)!, Twice(t)!, Twice(target)!, Twice(current), Twice(currentLoss), unconditioned);
        var conditional = both.narrow(0, 0, n);
        var free = both.narrow(0, n, n);
        return free + (scale * (conditional - free));
    }

    public void Dispose() => Denoiser.Dispose();

    private static float[] CheckWidth(float[] values, int width, string what) =>
        values.Length == width ? values : throw new ArgumentException($"The {what} needs {width} values; got {values.Length}.");

    private static float[] Repeat(float[] row, int count) => Enumerable.Range(0, count).SelectMany(_ => row).ToArray();
}
