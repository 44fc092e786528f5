using Lethe.ML.Evaluation;

namespace Lethe.ML.Unlearning;

/// <summary>
/// The stopping rule of the InvWNN paper, applied to every gradient baseline (unlearning-methods.md): every
/// <see cref="CheckEvery"/> steps, measure forget accuracy on the validation split and stop at the first check where it
/// has reached the target (the retrained model's forget accuracy). Methods also stop at their step cap.
/// </summary>
public sealed class ForgetAccuracyStop(ValidationProbe probe, double target, int checkEvery)
{
    public int CheckEvery { get; } = Math.Max(1, checkEvery);

    public int StoppedAtStep { get; private set; } = -1;

    public double LastForgetAccuracy { get; private set; } = double.NaN;

    public double LastRetainAccuracy { get; private set; } = double.NaN;

    public bool Reached => StoppedAtStep >= 0;

    /// <summary>True when <paramref name="step"/> is a check and the target is reached.</summary>
    public bool Check(SgdTraining training, int step, bool force = false)
    {
        if (!force && step % CheckEvery != 0)
        {
            return false;
        }

        (LastForgetAccuracy, LastRetainAccuracy) = probe.Accuracy(training.Parameters());
        if (LastForgetAccuracy <= target)
        {
            StoppedAtStep = step;
            return true;
        }

        return false;
    }

    public Dictionary<string, object> Details(int stepsRun) => new()
    {
        ["steps_run"] = stepsRun,
        ["stopped_by"] = Reached ? "validation forget accuracy reached the target" : "step cap",
        ["target_forget_accuracy"] = target,
        ["validation_forget_accuracy"] = LastForgetAccuracy,
        ["validation_retain_accuracy"] = LastRetainAccuracy,
    };
}
