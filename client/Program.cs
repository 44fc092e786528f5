using System.CommandLine;

var root = new RootCommand("Lethe: weight-space machine unlearning (HyperForget / DiHyFo, InvWNN) on Orleans and TorchSharp.");
return await root.Parse(args).InvokeAsync();
