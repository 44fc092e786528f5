using Spectre.Console;

namespace Lethe.Client.Commands;

/// <summary>
/// Runs a command body and turns the errors a user can cause into one red line and a non-zero exit code.
/// </summary>
public static class CliAction
{
    public const int UserError = 2;

    public static async Task<int> Run(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (IsUserError(e))
        {
            WriteError(e.Message);
            return UserError;
        }
        catch (OperationCanceledException)
        {
            // One line: what finished stays on the platform, and the same command continues it.
            AnsiConsole.MarkupLine("[yellow]cancelled[/]");
            return 130;
        }
    }

    public static Task<int> Run(Func<int> body) => Run(() => Task.FromResult(body()));

    /// <summary>One line on standard error, red on a terminal, never wrapped (scripts and tests read it whole).</summary>
    public static void WriteError(string message) =>
        Console.Error.WriteLine(Console.IsErrorRedirected ? $"error: {message}" : $"\u001b[31merror:\u001b[0m {message}");

    private static bool IsUserError(Exception e) =>
        e is ArgumentException or InvalidDataException or IOException or UnauthorizedAccessException or InvalidOperationException
            or FormatException or KeyNotFoundException;
}
