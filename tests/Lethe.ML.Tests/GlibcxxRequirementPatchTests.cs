using Lethe.Build;

namespace Lethe.ML.Tests;

public class GlibcxxRequirementPatchTests
{
    private static string ShippedLibrary()
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"The TorchSharp package's native library is expected at {path}.");
        return path;
    }

    [Fact]
    public void Patch_changes_only_the_hash_and_name_of_the_GLIBCXX_3_4_32_entry()
    {
        var original = File.ReadAllBytes(ShippedLibrary());
        var patched = (byte[])original.Clone();
        var before = GlibcxxRequirementPatch.ReadVersionNeeds(original);
        var entry = before.Single(n => n.Name == GlibcxxRequirementPatch.Needed);

        Assert.Equal(GlibcxxRequirementPatch.Outcome.Patched, GlibcxxRequirementPatch.Patch(patched));

        var changed = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToArray();
        Assert.NotEmpty(changed);
        Assert.All(changed, i => Assert.True(
            (i >= entry.Offset && i < entry.Offset + 4) || (i >= entry.Offset + 8 && i < entry.Offset + 12),
            $"byte {i} changed outside vna_hash/vna_name of the entry at {entry.Offset}"));
        var after = GlibcxxRequirementPatch.ReadVersionNeeds(patched);
        Assert.DoesNotContain(after, n => n.Name == GlibcxxRequirementPatch.Needed);
        var renamed = after.Single(n => n.Offset == entry.Offset);
        Assert.Equal(GlibcxxRequirementPatch.Replacement, renamed.Name);
        Assert.Equal(GlibcxxRequirementPatch.ElfHash(GlibcxxRequirementPatch.Replacement), renamed.Hash);
        Assert.Equal(before.Count, after.Count);
    }

    [Fact]
    public void Patching_twice_changes_nothing_the_second_time()
    {
        var bytes = File.ReadAllBytes(ShippedLibrary());
        GlibcxxRequirementPatch.Patch(bytes);
        var once = (byte[])bytes.Clone();

        Assert.Equal(GlibcxxRequirementPatch.Outcome.NothingToPatch, GlibcxxRequirementPatch.Patch(bytes));
        Assert.Equal(once, bytes);
    }

    [Fact]
    public void Elf_hash_matches_the_hash_the_linker_stored_for_every_version_need()
    {
        var needs = GlibcxxRequirementPatch.ReadVersionNeeds(File.ReadAllBytes(ShippedLibrary()));

        Assert.True(needs.Count > 5);
        Assert.All(needs, n => Assert.Equal(n.Hash, GlibcxxRequirementPatch.ElfHash(n.Name)));
        Assert.Equal(0x09691a75u, GlibcxxRequirementPatch.ElfHash("GLIBC_2.2.5"));   // as objdump -p prints it
    }

    [Fact]
    public void A_file_that_is_not_ELF_is_rejected()
    {
        Assert.Throws<InvalidDataException>(() => GlibcxxRequirementPatch.Patch(new byte[128]));
    }

    [Fact]
    public void The_build_patches_its_own_copy_and_never_the_hard_linked_NuGet_cache()
    {
        // The build hard-links copy-local files to the cache (Directory.Build.props); the patch must replace the link,
        // not write through it.
        var shipped = File.ReadAllBytes(ShippedLibrary());
        Assert.Contains(GlibcxxRequirementPatch.ReadVersionNeeds(shipped), n => n.Name == GlibcxxRequirementPatch.Needed);

        var output = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        var system = GlibcxxRequirementPatch.FindSystemLibstdcxx();
        var systemHasIt = system is not null && GlibcxxRequirementPatch.Defines(File.ReadAllBytes(system), GlibcxxRequirementPatch.Needed);
        var outputNeedsIt = GlibcxxRequirementPatch.ReadVersionNeeds(File.ReadAllBytes(output)).Any(n => n.Name == GlibcxxRequirementPatch.Needed);
        Assert.Equal(systemHasIt, outputNeedsIt);
    }

    [Fact]
    public void Build_output_copy_loads_TorchSharp()
    {
        using var t = TorchSharp.torch.ones(2, 2);
        Assert.Equal(4f, t.sum().item<float>());
    }
}
