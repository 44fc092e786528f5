using System.Diagnostics;

namespace Lethe.Testing;

/// <summary>
/// Runs the built <c>lethe</c> CLI as a separate process, the way a user does. The test project references
/// client/Lethe.Client.csproj so that <c>lethe.dll</c> is built next to the tests.
/// </summary>
public static class LetheProcess
{
    private static readonly string DefaultArtifacts = Path.Combine(Path.GetTempPath(), $"lethe-cli-tests-{Environment.ProcessId}");

    /// <summary>Runs lethe with an artifact store private to this test process.</summary>
    public static (int ExitCode, string Output, string Error) Run(params string[] args) => RunWithArtifacts(DefaultArtifacts, args);

    /// <summary>Runs lethe with its artifact store in <paramref name="artifacts"/> (tests never share the user's store).</summary>
    public static (int ExitCode, string Output, string Error) RunWithArtifacts(string artifacts, params string[] args)
    {
        using var process = Start(artifacts, args);
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"lethe {string.Join(' ', args)} did not finish in 5 minutes.");
        }

        return (process.ExitCode, output, error.Result);
    }

    /// <summary>Starts lethe with its artifact store in <paramref name="artifacts"/>, output redirected, and returns at once.</summary>
    public static Process Start(string artifacts, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "lethe.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["Lethe__Artifacts__LocalPath"] = artifacts;
        start.Environment["COLUMNS"] = "1000";
        return Process.Start(start)!;
    }
}
