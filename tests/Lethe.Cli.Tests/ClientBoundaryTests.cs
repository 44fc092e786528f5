using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Lethe.Cli.Tests;

/// <summary>The CLI is a client of the grains: it may host a silo (the silo's hosting extension) but never use grain internals.</summary>
public class ClientBoundaryTests
{
    [Fact]
    public void The_cli_assembly_references_no_type_of_the_grains_assembly()
    {
        using var file = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "lethe.dll"));
        using var pe = new PEReader(file);
        var metadata = pe.GetMetadataReader();

        // The compiler records an assembly reference only for an assembly whose types the code uses.
        var grainsAssembly = metadata.AssemblyReferences
            .Where(handle => metadata.GetString(metadata.GetAssemblyReference(handle).Name) == "Lethe.Grains")
            .Select(handle => (EntityHandle)handle)
            .ToList();
        var grainTypes = metadata.TypeReferences
            .Select(handle => metadata.GetTypeReference(handle))
            .Where(type => grainsAssembly.Contains(OutermostScope(metadata, type)))
            .Select(type => $"{metadata.GetString(type.Namespace)}.{metadata.GetString(type.Name)}")
            .Order()
            .ToList();

        Assert.True(grainsAssembly.Count == 0, $"lethe.dll references Lethe.Grains, using: {string.Join(", ", grainTypes)}");
    }

    private static EntityHandle OutermostScope(MetadataReader metadata, TypeReference type)
    {
        while (type.ResolutionScope.Kind == HandleKind.TypeReference)
        {
            type = metadata.GetTypeReference((TypeReferenceHandle)type.ResolutionScope);
        }

        return type.ResolutionScope;
    }
}
