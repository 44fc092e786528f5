using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lethe.ML.HeldScalars;

/// <summary>
/// <c>torch.optim.AdamW</c> with the same state, options and checkpoint format, whose step holds every coefficient it
/// passes to native code as a <see cref="Scalar"/> until the call returns. TorchSharp 0.107's own step converts them
/// implicitly (<c>param.mul_(1 - lr * wd)</c>, <c>add_(grad, alpha: 1 - beta1)</c>, ...): the temporary Scalar is
/// unreachable once its handle is read, so a garbage collection during the native call frees it mid-read ("Expected
/// false to be true" or "Unknown scalar type" in c10::Scalar). The demo's two trainings side by side hit it 9 times in
/// 10,000 steps (each undone by going back to a checkpoint, about a minute lost per failure) even behind a no-GC region.
/// The operations and their order are torch's, so the parameters are bit-identical to <c>optim.AdamW</c>'s. The class is
/// named AdamW on purpose: TorchSharp's state files carry the optimiser's class name and refuse another on load, so
/// trainings checkpointed by either resume under the other.
/// </summary>
public sealed class AdamW(IEnumerable<TorchSharp.Modules.AdamW.ParamGroup> groups, double learningRate, double beta1, double beta2)
    : TorchSharp.Modules.AdamW(groups, learningRate, beta1, beta2)
{
    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = (Options)group.Options;
        var (b1, b2, lr, decay, eps) = (options.beta1!.Value, options.beta2!.Value, options.LearningRate!.Value, options.weight_decay!.Value, options.eps!.Value);
        if (options.amsgrad == true || options.maximize == true)
        {
            throw new NotSupportedException("Lethe.ML.HeldScalars.AdamW implements AdamW without amsgrad and maximize.");
        }

        using var decayFactor = (1 - (lr * decay)).ToScalar();
        using var beta1Scalar = b1.ToScalar();
        using var oneMinusBeta1 = (1 - b1).ToScalar();
        using var beta2Scalar = b2.ToScalar();
        using var oneMinusBeta2 = (1 - b2).ToScalar();
        using var epsScalar = eps.ToScalar();
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
            var correction1 = 1 - Math.Pow(b1, state.step);
            var correction2 = 1 - Math.Pow(b2, state.step);
            state.exp_avg.mul_(beta1Scalar).add_(grad, oneMinusBeta1);
            state.exp_avg_sq.mul_(beta2Scalar).addcmul_(grad, grad, oneMinusBeta2);
            using var rootCorrection2 = Math.Sqrt(correction2).ToScalar();
            using var negativeStepSize = (-(lr / correction1)).ToScalar();
            var denominator = state.exp_avg_sq.sqrt().div_(rootCorrection2).add_(epsScalar);
            param.addcdiv_(state.exp_avg, denominator, negativeStepSize);
        }
    }, closure);
}
