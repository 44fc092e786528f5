using System.Diagnostics;

namespace Lethe.Cli.Tests;

/// <summary>Runs the built <c>lethe</c> CLI as a separate process, the way a user does.</summary>
public static class LetheProcess
{
    /// <summary>Runs lethe with its artifact store in <paramref name="artifacts"/> (tests never share the user's store).</summary>
    public static (int ExitCode, string Output, string Error) Run(string artifacts, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "lethe.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["Lethe__Artifacts__LocalPath"] = artifacts;
        start.Environment["COLUMNS"] = "1000";
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
