namespace Lethe.ML.Evaluation;

/// <summary>
/// Binary logistic regression on one feature, <c>P(y = 1 | x) = σ(w·x + b)</c>, fitted by Newton's method (IRLS) — two
/// parameters, so the Hessian is 2×2. The objective is scikit-learn's default (the SSD / HyperForget MIA code calls
/// <c>LogisticRegression()</c>): <c>½·w² + C·Σ log-loss</c>, L2 on the slope only, C = 1. The penalty also keeps the
/// fit finite when the two classes are perfectly separated.
/// </summary>
public sealed record LogisticRegression1D(double Slope, double Intercept)
{
    public static LogisticRegression1D Fit(ReadOnlySpan<double> x, ReadOnlySpan<int> y, double c = 1.0, int maxIterations = 100)
    {
        if (x.Length != y.Length || x.Length == 0)
        {
            throw new ArgumentException($"Logistic regression needs as many labels as features and at least one sample; got {x.Length} and {y.Length}.");
        }

        double w = 0, b = 0;
        var previous = Objective(x, y, w, b, c);
        for (var iteration = 0; iteration < maxIterations; iteration++)
        {
            // Gradient and Hessian of the objective.
            double gw = w, gb = 0, hww = 1, hwb = 0, hbb = 1e-12;
            for (var i = 0; i < x.Length; i++)
            {
                var p = Sigmoid((w * x[i]) + b);
                var r = c * (p - y[i]);
                var s = c * p * (1 - p);
                gw += r * x[i];
                gb += r;
                hww += s * x[i] * x[i];
                hwb += s * x[i];
                hbb += s;
            }

            var det = (hww * hbb) - (hwb * hwb);
            if (det <= 0)
            {
                break;
            }

            var dw = ((hbb * gw) - (hwb * gb)) / det;
            var db = ((hww * gb) - (hwb * gw)) / det;
            // Newton with step halving: a full step can overshoot while the fit is far from the optimum.
            var step = 1.0;
            var current = double.PositiveInfinity;
            while (step > 1e-8)
            {
                current = Objective(x, y, w - (step * dw), b - (step * db), c);
                if (current <= previous)
                {
                    break;
                }

                step /= 2;
            }

            if (current > previous)
            {
                break;
            }

            w -= step * dw;
            b -= step * db;
            var converged = previous - current <= 1e-12 * Math.Max(1, Math.Abs(previous));
            previous = current;
            if (converged)
            {
                break;
            }
        }

        return new LogisticRegression1D(w, b);
    }

    public double Probability(double x) => Sigmoid((Slope * x) + Intercept);

    /// <summary>scikit-learn's <c>predict</c>: class 1 where the decision function is positive.</summary>
    public int Predict(double x) => (Slope * x) + Intercept > 0 ? 1 : 0;

    private static double Objective(ReadOnlySpan<double> x, ReadOnlySpan<int> y, double w, double b, double c)
    {
        var loss = 0.5 * w * w;
        for (var i = 0; i < x.Length; i++)
        {
            var z = (w * x[i]) + b;
            // log(1 + e^z) - y·z, computed without overflow.
            loss += c * ((z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z))) - (y[i] * z));
        }

        return loss;
    }

    private static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));
}
