using TorchSharp;
using static TorchSharp.torch;

namespace Lethe.ML.HeldScalars;

/// <summary>
/// <c>torch.optim.AdamW</c> with the same state, options and checkpoint format, whose step holds every coefficient it
/// passes to native code as a <see cref="Scalar"/> until the call returns. TorchSharp 0.107's own step converts them
/// implicitly (<c>param.mul_(1 - lr * wd)</c>, <c>add_(grad, alpha: 1 - beta1)</c>, ...): the temporary Scalar is
/// unreachable once its handle is read, so a garbage collection during the native call frees it mid-read ("Expected
/// false to be true" or "Unknown scalar type" in c10::Scalar). The demo's two trainings side by side hit it 9 times in
/// 10,000 steps (each undone by going back to a checkpoint) even behind a no-GC region. The operations and their order are
/// torch's, so the parameters are bit-identical to <c>optim.AdamW</c>'s. The class is named AdamW on purpose: TorchSharp's
/// state files carry the optimiser's class name and refuse another on load, so trainings checkpointed by either resume
/// under the other.
/// </summary>
public sealed class AdamW(IEnumerable<TorchSharp.Modules.AdamW.ParamGroup> groups, double learningRate, double beta1, double beta2)
    : TorchSharp.Modules.AdamW(groups, learningRate, beta1, beta2)
{
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var o = (Options)group.Options;
        AdamMoments.Refuse(o.amsgrad, o.maximize, nameof(AdamW));
        using var moments = new AdamMoments(o.LearningRate!.Value, o.beta1!.Value, o.beta2!.Value, o.eps!.Value);
        using var decayFactor = (1 - (o.LearningRate!.Value * o.weight_decay!.Value)).ToScalar();
        foreach (var param in group.Parameters)
        {
            var grad = param.grad;   // the step's dispose scope frees this handle, as in torch's step
            if (grad is null)
            {
                continue;
            }

            var state = (State)_state[param.Handle];
            state.step += 1;
            param.mul_(decayFactor);
            moments.Update(param, grad, state.exp_avg, state.exp_avg_sq, state.step);
        }
    }, closure);
}

/// <summary>
/// <c>torch.optim.Adam</c> (L2 weight decay added to the gradient) with its coefficients held, for the reason and with the
/// guarantees of <see cref="AdamW"/>; named Adam for TorchSharp's state files likewise.
/// </summary>
public sealed class Adam(IEnumerable<TorchSharp.Modules.Parameter> parameters, double learningRate)
    : TorchSharp.Modules.Adam(parameters, learningRate)
{
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var o = (Options)group.Options;
        AdamMoments.Refuse(o.amsgrad, o.maximize, nameof(Adam));
        using var moments = new AdamMoments(o.LearningRate!.Value, o.beta1!.Value, o.beta2!.Value, o.eps!.Value);
        using var decay = o.weight_decay!.Value.ToScalar();
        foreach (var param in group.Parameters)
        {
            var grad = param.grad;
            if (grad is null)
            {
                continue;
            }

            var state = (State)_state[param.Handle];
            state.step += 1;
            moments.Update(param, o.weight_decay!.Value != 0 ? grad.add(param, decay) : grad, state.exp_avg, state.exp_avg_sq, state.step);
        }
    }, closure);
}

/// <summary>Adam's moment update and bias-corrected step, shared by <see cref="AdamW"/> and <see cref="Adam"/>: torch's operations in torch's order, every coefficient a held Scalar.</summary>
internal sealed class AdamMoments(double learningRate, double beta1, double beta2, double eps) : IDisposable
{
    private readonly Scalar _beta1 = beta1.ToScalar();
    private readonly Scalar _oneMinusBeta1 = (1 - beta1).ToScalar();
    private readonly Scalar _beta2 = beta2.ToScalar();
    private readonly Scalar _oneMinusBeta2 = (1 - beta2).ToScalar();
    private readonly Scalar _eps = eps.ToScalar();

    public static void Refuse(bool? amsgrad, bool? maximize, string name)
    {
        if (amsgrad == true || maximize == true)
        {
            throw new NotSupportedException($"Lethe.ML.HeldScalars.{name} implements {name} without amsgrad and maximize.");
        }
    }

    public void Update(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, long step)
    {
        var correction1 = 1 - Math.Pow(beta1, step);
        var correction2 = 1 - Math.Pow(beta2, step);
        expAvg.mul_(_beta1).add_(grad, _oneMinusBeta1);
        expAvgSq.mul_(_beta2).addcmul_(grad, grad, _oneMinusBeta2);
        using var rootCorrection2 = Math.Sqrt(correction2).ToScalar();
        using var negativeStepSize = (-(learningRate / correction1)).ToScalar();
        var denominator = expAvgSq.sqrt().div_(rootCorrection2).add_(_eps);
        param.addcdiv_(expAvg, denominator, negativeStepSize);
    }

    public void Dispose()
    {
        _beta1.Dispose();
        _oneMinusBeta1.Dispose();
        _beta2.Dispose();
        _oneMinusBeta2.Dispose();
        _eps.Dispose();
    }
}
