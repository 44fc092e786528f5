using System.CommandLine;
using Lethe.Client.Commands;
using Spectre.Console;

// Redirected output has no terminal width; honour COLUMNS so logs and tests get unwrapped lines.
if (Console.IsOutputRedirected && int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns))
{
    AnsiConsole.Profile.Width = columns;
}

var root = new RootCommand("Lethe: weight-space machine unlearning (HyperForget / DiHyFo) on Orleans and TorchSharp. Every command but train-original and bench works through the grains of this machine's Local platform ($LETHE_HOME) or of a cluster (--cluster).")
{
    CollectCommand.Create(),
    StatusCommand.Create(),
    DatasetCommand.Create(),
    BenchCommand.Create(),
    DemoCommand.Create(),
    TrainCommand.Create(),
    HypernetCommand.Create(),
    SampleCommand.Create(),
    TrainOriginalCommand.Create(),
    UnlearnCommand.Create(),
    TenantCommand.Create(),
};
// Ctrl+C / SIGTERM cancel the command's token; a command then has this long to cancel its work and stop its silo.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
