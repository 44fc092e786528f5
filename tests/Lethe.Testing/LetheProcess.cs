using System.Diagnostics;

namespace Lethe.Testing;

/// <summary>
/// Runs the built <c>lethe</c> CLI as a separate process, the way a user does. The test project references
/// client/Lethe.Client.csproj so that <c>lethe.dll</c> is built next to the tests.
/// </summary>
public static class LetheProcess
{
    /// <summary>
    /// Runs lethe on the Local platform kept in <paramref name="home"/> (grain state, reminders, artifacts; tests never
    /// share the user's), so consecutive runs in the same folder see each other's jobs, trainings and requests.
    /// </summary>
    public static (int ExitCode, string Output, string Error) RunIn(string home, params string[] args)
    {
        using var process = Start(home, args);
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"lethe {string.Join(' ', args)} did not finish in 5 minutes.");
        }

        return (process.ExitCode, output, error.Result);
    }

    /// <summary>Starts lethe on the Local platform in <paramref name="home"/>, output redirected, and returns at once.</summary>
    public static Process Start(string home, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "lethe.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["LETHE_HOME"] = home;
        start.Environment["COLUMNS"] = "1000";
        return Process.Start(start)!;
    }
}
