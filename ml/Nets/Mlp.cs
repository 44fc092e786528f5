using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lethe.ML.Nets;

/// <summary>The task net: <c>fc2(relu(fc1(x)))</c>, with PyTorch's state-dict names.</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    // Field names are the state-dict names (fc1.weight, ...), which the safetensors files and ParameterLayout use.
#pragma warning disable IDE1006
    private readonly Linear fc1;
    private readonly Linear fc2;
#pragma warning restore IDE1006

    public Mlp(MlpArchitecture architecture) : base("mlp")
    {
        Architecture = architecture;
        Layout = ParameterLayout.For(architecture);
        fc1 = nn.Linear(architecture.Input, architecture.Hidden);
        fc2 = nn.Linear(architecture.Hidden, architecture.Classes);
        RegisterComponents();
    }

    public MlpArchitecture Architecture { get; }

    public ParameterLayout Layout { get; }

    public override Tensor forward(Tensor input) => fc2.forward(nn.functional.relu(fc1.forward(input)));

    /// <summary>The parameters as one flat vector in <see cref="ParameterLayout"/> order.</summary>
    public Tensor ToFlat()
    {
        using var _ = no_grad();
        return cat(Layout.Tensors.Select(t => Parameter(t.Name).detach().reshape(-1)).ToList(), 0);
    }

    /// <summary>Copies a flat vector of <see cref="ParameterLayout.Count"/> values into the parameters.</summary>
    public void LoadFlat(Tensor flat)
    {
        if (flat.ndim != 1 || flat.shape[0] != Layout.Count)
        {
            throw new ArgumentException(
                $"A {Architecture} MLP has {Layout.Count} parameters; got a tensor of shape [{string.Join(", ", flat.shape)}].");
        }

        using var _ = no_grad();
        foreach (var t in Layout.Tensors)
        {
            Parameter(t.Name).copy_(flat.narrow(0, t.Offset, t.Count).reshape(t.Shape));
        }
    }

    public void LoadFlat(float[] flat) => LoadFlat(tensor(flat));

    private Tensor Parameter(string name) => name switch
    {
        "fc1.weight" => fc1.weight!,
        "fc1.bias" => fc1.bias!,
        "fc2.weight" => fc2.weight!,
        "fc2.bias" => fc2.bias!,
        _ => throw new KeyNotFoundException(name),
    };

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            fc1.Dispose();
            fc2.Dispose();
        }

        base.Dispose(disposing);
    }
}
