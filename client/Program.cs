using System.CommandLine;
using Lethe.Client.Commands;

var root = new RootCommand("Lethe: weight-space machine unlearning (HyperForget / DiHyFo, InvWNN) on Orleans and TorchSharp.")
{
    CollectCommand.Create(),
    BenchCommand.Create(),
    DemoCommand.Create(),
    TrainCommand.Create(),
    HypernetCommand.Create(),
    SampleCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
