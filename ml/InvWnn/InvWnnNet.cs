using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lethe.ML.InvWnn;

/// <summary>
/// The InvWNN predictor of one parameter kind (unlearning-reference.md §2.2): applied to every scalar coordinate alone, it
/// reads the coordinate's <see cref="InvWnnWindow.Snapshots"/> values (newest first) and their consecutive differences in two
/// identical branches (Dense → LeakyReLU(0.3) → Dense → TrAct → Dense → LeakyReLU(0.3)), concatenates them and returns
/// a tanh-bounded residual to add to the oldest snapshot. 62,609 parameters, as the authors' released predictors.
/// </summary>
public sealed class InvWnnNet : nn.Module<Tensor, Tensor, Tensor>
{
    private const double Slope = 0.3;

#pragma warning disable IDE1006 // state-dict names
    private readonly Branch values;
    private readonly Branch differences;
    private readonly Linear head;
#pragma warning restore IDE1006

    public InvWnnNet() : base("invwnn")
    {
        values = new Branch("values", InvWnnWindow.Snapshots);
        differences = new Branch("differences", InvWnnWindow.Snapshots - 1);
        head = nn.Linear(128, 1);
        RegisterComponents();
    }

    /// <summary>[N, 15] values (newest first) and [N, 14] differences → [N] residuals in (−1, 1).</summary>
    public override Tensor forward(Tensor x, Tensor d) =>
        tanh(head.forward(cat([values.forward(x), differences.forward(d)], 1))).squeeze(1);

    /// <summary>The L1 penalties the authors put on the main dense layers (1e-6·Σ|W| + 0.1·Σ|b|), added to the training loss.</summary>
    public Tensor Penalty() => values.Penalty() + differences.Penalty();

    private sealed class Branch : nn.Module<Tensor, Tensor>
    {
#pragma warning disable IDE1006
        private readonly Linear input;
        private readonly Linear mix;
        private readonly TrAct act;
        private readonly Linear output;
#pragma warning restore IDE1006

        public Branch(string name, int width) : base(name)
        {
            input = Main(width, 128);
            mix = Main(128, 128);
            act = new TrAct(128, 8);
            output = Main(128, 64);
            RegisterComponents();
        }

        public override Tensor forward(Tensor z) =>
            nn.functional.leaky_relu(output.forward(act.forward(mix.forward(nn.functional.leaky_relu(input.forward(z), Slope)))), Slope);

        public Tensor Penalty() =>
            new[] { input, mix, output }.Select(l => (1e-6 * l.weight!.abs().sum()) + (0.1 * l.bias!.abs().sum())).Aggregate((a, b) => a + b);

        /// <summary>Keras VarianceScaling(0.1, fan_in, uniform) kernel, zero bias.</summary>
        private static Linear Main(int fanIn, int fanOut)
        {
            var layer = nn.Linear(fanIn, fanOut);
            using var _ = no_grad();
            var bound = Math.Sqrt(0.3 / fanIn);
            nn.init.uniform_(layer.weight!, -bound, bound);
            nn.init.zeros_(layer.bias!);
            return layer;
        }
    }

    /// <summary>Trainable activation: h = ReLU(C·z + c); out = A(h) + B(h) ⊙ exp(E(h) ⊙ z).</summary>
    private sealed class TrAct : nn.Module<Tensor, Tensor>
    {
#pragma warning disable IDE1006
        private readonly Linear compress;
        private readonly Linear add;
        private readonly Linear scale;
        private readonly Linear gate;
#pragma warning restore IDE1006

        public TrAct(int width, int hidden) : base("tract")
        {
            compress = Glorot(width, hidden);
            add = Glorot(hidden, width);
            scale = Glorot(hidden, width);
            gate = Glorot(hidden, width);
            RegisterComponents();
        }

        public override Tensor forward(Tensor z)
        {
            var h = nn.functional.relu(compress.forward(z));
            return add.forward(h) + (scale.forward(h) * exp(gate.forward(h) * z));
        }

        private static Linear Glorot(int fanIn, int fanOut)
        {
            var layer = nn.Linear(fanIn, fanOut);
            using var _ = no_grad();
            nn.init.xavier_uniform_(layer.weight!);
            nn.init.zeros_(layer.bias!);
            return layer;
        }
    }
}
