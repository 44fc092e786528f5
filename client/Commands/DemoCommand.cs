using System.CommandLine;
using Lethe.Client.Cluster;
using Lethe.ML.Collection;
using Spectre.Console;

namespace Lethe.Client.Commands;

/// <summary>
/// <c>lethe demo</c>: the whole pipeline on MNIST-4 in one command, embedded. Every stage keeps its results in the work
/// folder, so a second run reuses them.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var work = new Option<string>("--work") { Description = "Folder for the demo's datasets, models and reports.", DefaultValueFactory = _ => Path.Combine(".lethe", "demo") };
        var runs = new Option<int>("--runs") { Description = "Training runs to collect.", DefaultValueFactory = _ => 256 };
        var command = new Command("demo", "Run the pipeline end to end on MNIST-4: collect checkpoints -> (train DiHyFo -> unlearn) -> report.")
        {
            work, runs,
        };
        command.SetAction((result, cancellation) => CliAction.Run(async () =>
        {
            var folder = result.GetValue(work)!;
            var spec = new CollectionSpec { Preset = "mnist4", Runs = result.GetValue(runs) }.Validated();
            // The demo keeps everything, the artifact store included, under its work folder.
            await using var connection = await LetheConnection.Open(null, new Dictionary<string, string?>
            {
                ["Lethe:Artifacts:LocalPath"] = Path.GetFullPath(Path.Combine(folder, "artifacts")),
            }, cancellation);
            AnsiConsole.Write(new Rule("[bold]1. Collect a checkpoint dataset[/]").LeftJustified());
            await CollectCommand.Collect(connection, spec, Path.Combine(folder, "mnist4-checkpoints"), cancellation);
            return 0;
        }));
        return command;
    }
}
