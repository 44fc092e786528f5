using TorchSharp;
using static TorchSharp.torch;

namespace Lethe.ML.InvWnn;

/// <summary>
/// Trains an <see cref="InvWnnPredictor"/> on trajectories (unlearning-reference.md §2.5): every step draws, per parameter
/// kind, random (run, window start, coordinate) triples, and minimises the L1 distance between the predicted and the true
/// normalised residual θ^{t−U} − θ^t plus the authors' L1 penalties, with Adam (lr 1e-3). Held-out runs give the
/// validation loss beside the loss of predicting "no change" (the oldest snapshot).
/// </summary>
public sealed class InvWnnTrainer : IDisposable
{
    private readonly InvWnnPredictor _predictor;
    private readonly Data _train;
    private readonly Data _heldOut;
    private readonly optim.Optimizer _optimizer;
    private readonly Random _rng;
    private readonly int _batch;

    public InvWnnTrainer(InvWnnPredictor predictor, InvWnnTrajectories train, InvWnnTrajectories heldOut, int batchSize = 4096, double learningRate = 1e-3, int seed = 1)
    {
        _predictor = predictor;
        _train = new Data(train);
        _heldOut = new Data(heldOut);
        _optimizer = new HeldScalars.Adam(predictor.Parameters(), learningRate);
        _rng = new Random(seed);
        _batch = batchSize;
    }

    public int Step { get; private set; }

    /// <summary>Continues counting from a saved step (a resumed training).</summary>
    public void ResumeAt(int step) => Step = step;

    /// <summary>One optimiser step over both kinds; returns the mean L1 of the normalised residual.</summary>
    public double TrainStep()
    {
        using var scope = NewDisposeScope();
        _optimizer.zero_grad();
        Tensor? total = null;
        var fit = 0.0;
        foreach (var kind in Enum.GetValues<InvWnnKind>())
        {
            var (window, target) = _train.Sample(kind, _batch, _rng);
            var net = _predictor.For(kind);
            var (residual, _) = InvWnnPredictor.Forward(net, window);
            var loss = (residual - target).abs().mean();
            fit += loss.item<float>();
            var withPenalty = loss + (net.Penalty() / _batch);
            total = total is null ? withPenalty : total + withPenalty;
        }

        total!.backward();
        _optimizer.step();
        Step++;
        return fit / 2;
    }

    /// <summary>
    /// Held-out mean absolute error in weight units of the predicted past weights and of "no change" (the oldest snapshot),
    /// over every window start and up to <paramref name="coordinates"/> random coordinates per kind.
    /// </summary>
    public (double Predicted, double NoChange) HeldOutError(int coordinates = 20000, int seed = 7) => Error(_heldOut, coordinates, seed);

    public (double Predicted, double NoChange) TrainError(int coordinates = 20000, int seed = 7) => Error(_train, coordinates, seed);

    private (double Predicted, double NoChange) Error(Data data, int coordinates, int seed)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        double predicted = 0, noChange = 0;
        long count = 0;
        foreach (var kind in Enum.GetValues<InvWnnKind>())
        {
            var (window, target, scale) = data.All(kind, coordinates, new Random(seed));
            var (residual, _) = InvWnnPredictor.Forward(_predictor.For(kind), window);
            predicted += ((residual - target) * scale).abs().sum().item<float>();
            noChange += (target * scale).abs().sum().item<float>();
            count += target.shape[0];
        }

        return (predicted / count, noChange / count);
    }

    public void Dispose() => _optimizer.Dispose();

    /// <summary>
    /// Every training example of one kind: windows [K, B] (oldest first), normalised targets (θ^{t−U} − θ^t)/s [B] and
    /// scales s [B], ordered by run, window start, coordinate.
    /// </summary>
    public static (Tensor Window, Tensor Target, Tensor Scale) Examples(InvWnnTrajectories trajectories, InvWnnKind kind) =>
        new Data(trajectories).All(kind, int.MaxValue, new Random(0), shuffle: false);

    /// <summary>All runs as one [R·L·P] vector, for gathering windows by index arithmetic.</summary>
    private sealed class Data
    {
        private readonly Tensor _flat;
        private readonly int _runs;
        private readonly int _length;
        private readonly int _parameters;
        private readonly Dictionary<InvWnnKind, long[]> _coordinates;

        public Data(InvWnnTrajectories t)
        {
            _runs = t.Runs.Count;
            _length = t.Length;
            _parameters = t.Layout.Count;
            var values = new float[(long)_runs * _length * _parameters];
            for (var r = 0; r < _runs; r++)
            {
                for (var j = 0; j < _length; j++)
                {
                    t.Snapshots[r][j].CopyTo(values, ((r * _length) + j) * _parameters);
                }
            }

            _flat = tensor(values).DetachFromDisposeScope();
            _coordinates = Enum.GetValues<InvWnnKind>().ToDictionary(k => k, k => InvWnnPredictor.Coordinates(t.Layout, k));
        }

        /// <summary>Windows [K, B] and normalised targets [B] of random triples.</summary>
        public (Tensor Window, Tensor Target) Sample(InvWnnKind kind, int count, Random rng)
        {
            var coords = _coordinates[kind];
            var starts = InvWnnWindow.Starts(_length).ToArray();
            var r = new long[count];
            var t = new long[count];
            var c = new long[count];
            for (var i = 0; i < count; i++)
            {
                r[i] = rng.Next(_runs);
                t[i] = starts[rng.Next(starts.Length)];
                c[i] = coords[rng.Next(coords.Length)];
            }

            var (window, target, _) = Gather(tensor(r), tensor(t), tensor(c));
            return (window, target);
        }

        /// <summary>Every (run, start) pair for up to <paramref name="limit"/> random coordinates of the kind.</summary>
        public (Tensor Window, Tensor Target, Tensor Scale) All(InvWnnKind kind, int limit, Random rng, bool shuffle = true)
        {
            var coords = _coordinates[kind].ToArray();
            if (shuffle)
            {
                rng.Shuffle(coords);
            }

            coords = coords.Take(Math.Max(1, limit / Math.Max(1, _runs * InvWnnWindow.Starts(_length).Count()))).ToArray();
            var triples = (from run in Enumerable.Range(0, _runs)
                           from start in InvWnnWindow.Starts(_length)
                           from coordinate in coords
                           select (run, start, coordinate)).ToArray();
            return Gather(tensor(triples.Select(x => (long)x.run).ToArray()), tensor(triples.Select(x => (long)x.start).ToArray()),
                tensor(triples.Select(x => x.coordinate).ToArray()));
        }

        private (Tensor Window, Tensor Target, Tensor Scale) Gather(Tensor r, Tensor t, Tensor c)
        {
            var offsets = arange(InvWnnWindow.Snapshots, dtype: ScalarType.Int64).unsqueeze(1);
            Tensor At(Tensor epoch) => _flat.index_select(0, ((((r * _length) + epoch) * _parameters) + c).reshape(-1)).reshape(epoch.shape);
            var window = At(t.unsqueeze(0) + offsets);                  // [K, B], oldest first
            var past = At(t - InvWnnWindow.Rewind);                      // [B]
            var (x, d) = InvWnnWindow.Inputs(window);
            var (_, _, scale) = InvWnnWindow.Normalised(x, d);
            return (window, (past - window[0]) / scale, scale);
        }
    }
}
