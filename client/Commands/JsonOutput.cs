using System.Text.Json;
using Lethe.ML.Storage;
using Spectre.Console;

namespace Lethe.Client.Commands;

/// <summary>The <c>--json FILE</c> outputs of the CLI: written whole (temporary file, then rename) and announced.</summary>
public static class JsonOutput
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void Write(string path, object document, JsonSerializerOptions? options = null, string what = "figures")
    {
        ShardFolder.WriteAtomically(path, JsonSerializer.SerializeToUtf8Bytes(document, options ?? Indented));
        AnsiConsole.MarkupLine($"{what} written to {Markup.Escape(path)}");
    }
}
