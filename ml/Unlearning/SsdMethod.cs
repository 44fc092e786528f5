using Lethe.ML.Collection;
using Lethe.ML.Data;
using Lethe.ML.Evaluation;
using Lethe.ML.Nets;
using static TorchSharp.torch;

namespace Lethe.ML.Unlearning;

/// <summary>
/// <c>ssd</c>, Selective Synaptic Dampening (Foster, Schoepf, Brintrup, AAAI 2024; <c>src/ssd.py</c>): diagonal Fisher
/// importances I_D (mean over minibatches of the squared batch gradient of CE on D) and I_f (the same on D_f); every
/// parameter with I_f &gt; α·I_D is multiplied by min(λ·I_D / I_f, 1). No training. α is the sensitive knob (SSD issue
/// #3), so every (α, λ) of a small grid — the paper's defaults α = 10, λ = 1 included — is applied and the best on the
/// validation split is kept by <see cref="CandidateSelection"/>; all candidates are evaluated in one batched pass.
/// </summary>
public sealed class SsdMethod(double[]? alphas = null, double[]? lambdas = null, int batchSize = 128) : ComputedUnlearningMethod
{
    private readonly double[] _alphas = alphas ?? [1, 2, 5, 10, 20, 50];
    private readonly double[] _lambdas = lambdas ?? [0.1, 1];

    public override string Name => "ssd";

    public override DataAccess Needs => DataAccess.Full | DataAccess.Validation;

    public override IReadOnlyDictionary<string, object> HyperParameters => new Dictionary<string, object>
    {
        ["alpha_grid"] = _alphas,
        ["lambda_grid"] = _lambdas,
        ["importance_batch_size"] = batchSize,
        ["selection"] = "lowest validation forget accuracy, then highest validation retain accuracy",
    };

    public override UnlearningResult Unlearn(UnlearningRequest request, IProgress<UnlearningProgress>? progress, CancellationToken cancellation)
    {
        using var scope = NewDisposeScope();
        var rng = new Random(request.Seed);
        progress?.Report(new UnlearningProgress("measuring importances", 0));
        var importanceFull = Importance(request.Layout, request.Original, request.Data.Train, batchSize, rng, cancellation);
        progress?.Report(new UnlearningProgress("measuring importances", 0.5));
        var importanceForget = Importance(request.Layout, request.Original, request.Data.ForgetTrain, batchSize, rng, cancellation);
        progress?.Report(new UnlearningProgress("measuring importances", 1));
        var theta = tensor(request.Original);
        var grid = _alphas.SelectMany(a => _lambdas.Select(l => (Alpha: a, Lambda: l))).ToArray();
        var candidates = stack(grid.Select(g => Dampen(theta, importanceFull, importanceForget, g.Alpha, g.Lambda)).ToArray());
        using var probe = new ValidationProbe(request.Data);
        var (forget, retain) = probe.Accuracy(candidates);
        var best = CandidateSelection.Best(forget, retain);
        progress?.Report(new UnlearningProgress("choosing alpha and lambda", 1));
        var selected = importanceForget.gt(importanceFull * grid[best].Alpha).sum().item<long>();
        return new UnlearningResult(candidates[best].data<float>().ToArray(), Needs, new Dictionary<string, object>
        {
            ["alpha"] = grid[best].Alpha,
            ["lambda"] = grid[best].Lambda,
            ["dampened_parameters"] = selected,
            ["validation_forget_accuracy"] = forget[best],
            ["validation_retain_accuracy"] = retain[best],
            ["grid_validation_forget_accuracy"] = forget,
            ["grid_validation_retain_accuracy"] = retain,
        });
    }

    /// <summary>θ·β with β = min(λ·I_D/I_f, 1) where I_f &gt; α·I_D, else 1.</summary>
    public static Tensor Dampen(Tensor theta, Tensor importanceFull, Tensor importanceForget, double alpha, double lambda)
    {
        var beta = (importanceFull * lambda / importanceForget.clamp_min(1e-30)).clamp_max(1.0);
        return where(importanceForget.gt(importanceFull * alpha), theta * beta, theta);
    }

    /// <summary>Mean over minibatches of the squared gradient of the batch-mean CE, flat [P].</summary>
    public static Tensor Importance(ParameterLayout layout, float[] parameters, LabeledImages data, int batchSize, Random rng, CancellationToken cancellation)
    {
        var flat = tensor(parameters, [1, parameters.Length]);
        var (w1, b1, w2, b2) = BatchedMlp.Split(layout, flat);
        var net = new StackedNets(w1.contiguous(), b1.contiguous(), w2.contiguous(), b2.contiguous());
        var images = data.ImagesTensor();
        var oneHot = nn.functional.one_hot(data.LabelsTensor(), layout.Architecture.Classes).to(ScalarType.Float32).t().contiguous();   // class-major [m, N]
        var sum = zeros(parameters.Length);
        var batches = 0;
        foreach (var batch in SgdTraining.Minibatches(data.Count, batchSize, rng))
        {
            cancellation.ThrowIfCancellationRequested();
            using var step = NewDisposeScope();
            var index = tensor(batch);
            var gradients = net.Gradients(images.index_select(0, index), oneHot.index_select(1, index), ones(1, batch.Length));
            sum.add_(cat(gradients.Select(g => g.reshape(-1)).ToArray(), 0).square());
            batches++;
        }

        return sum / Math.Max(1, batches);
    }
}
