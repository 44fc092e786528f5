using System.Diagnostics;

namespace Lethe.Cli.Tests;

/// <summary>Runs the built <c>lethe</c> CLI as a separate process, the way a user does.</summary>
public static class LetheProcess
{
    public static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "lethe.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["COLUMNS"] = "400";
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"lethe {string.Join(' ', args)} did not finish in 5 minutes.");
        }

        return (process.ExitCode, output, error.Result);
    }
}
