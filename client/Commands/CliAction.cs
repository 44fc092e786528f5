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
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return UserError;
        }
        catch (OperationCanceledException)
        {
            AnsiConsole.MarkupLine("[yellow]cancelled[/]");
            return 130;
        }
    }

    public static Task<int> Run(Func<int> body) => Run(() => Task.FromResult(body()));

    private static bool IsUserError(Exception e) =>
        e is ArgumentException or InvalidDataException or IOException or UnauthorizedAccessException or InvalidOperationException
            or FormatException or KeyNotFoundException;
}
