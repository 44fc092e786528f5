using System.Text;
using Azure.Storage.Blobs;
using Lethe.Grains.Artifacts;

namespace Lethe.Grains.Tests;

/// <summary>The same two-phase contract for both stores: nothing visible until committed, first commit wins, verified reads.</summary>
public sealed class ArtifactStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lethe-artifacts-");

    public static TheoryData<string> Kinds => ["local", "blob"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Staged_bytes_are_invisible_until_committed(string kind)
    {
        var store = Store(kind);
        var bytes = Encoding.UTF8.GetBytes("checkpoint shard");
        var sha = ArtifactChecksum.Sha256Of(bytes);

        await store.Stage("jobs/a/shard-00000.safetensors", bytes, sha, default);
        Assert.Null(await store.Find("jobs/a/shard-00000.safetensors", default));
        Assert.True(await store.Commit("jobs/a/shard-00000.safetensors", sha, default));

        Assert.Equal(sha, (await store.Find("jobs/a/shard-00000.safetensors", default))!.Sha256);
        Assert.Equal(bytes, await store.ReadVerified("jobs/a/shard-00000.safetensors", sha, default));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Commit_without_staged_bytes_reports_false(string kind)
    {
        var store = Store(kind);

        Assert.False(await store.Commit("jobs/b/shard-00000.safetensors", ArtifactChecksum.Sha256Of([1, 2, 3]), default));
        Assert.Null(await store.Find("jobs/b/shard-00000.safetensors", default));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task The_first_commit_wins_and_a_later_one_reports_false(string kind)
    {
        var store = Store(kind);
        byte[] first = [1, 2, 3], second = [4, 5, 6, 7];
        await store.Stage("jobs/c/shard", first, ArtifactChecksum.Sha256Of(first), default);
        await store.Stage("jobs/c/shard", second, ArtifactChecksum.Sha256Of(second), default);

        Assert.True(await store.Commit("jobs/c/shard", ArtifactChecksum.Sha256Of(first), default));
        Assert.False(await store.Commit("jobs/c/shard", ArtifactChecksum.Sha256Of(second), default));

        Assert.Equal(first, await store.ReadVerified("jobs/c/shard", ArtifactChecksum.Sha256Of(first), default));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Reading_with_another_checksum_is_rejected(string kind)
    {
        var store = Store(kind);
        await store.Put("jobs/d/shard", [9, 9, 9], default);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => store.ReadVerified("jobs/d/shard", ArtifactChecksum.Sha256Of([1]), default));

        Assert.Contains("checksum", error.Message);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Delete_removes_a_committed_artifact_and_ignores_an_absent_key(string kind)
    {
        var store = Store(kind);
        await store.Put("hypernets/m/checkpoints/0000020.zip", [1, 2], default);
        await store.Put("hypernets/m/checkpoints/0000040.zip", [3, 4], default);

        await store.Delete("hypernets/m/checkpoints/0000020.zip", default);
        await store.Delete("hypernets/m/checkpoints/never-written.zip", default);

        Assert.Null(await store.Find("hypernets/m/checkpoints/0000020.zip", default));
        Assert.NotNull(await store.Find("hypernets/m/checkpoints/0000040.zip", default));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task List_shows_the_committed_artifacts_under_a_prefix_in_key_order(string kind)
    {
        var store = Store(kind);
        await store.Put("hypernets/m/checkpoints/r1/0000500-b.zip", [2], default);
        await store.Put("hypernets/m/checkpoints/r1/0000250-a.zip", [1], default);
        await store.Put("hypernets/m/checkpoints/r2/0000750-c.zip", [3], default);
        await store.Stage("hypernets/m/checkpoints/r1/0000750-d.zip", [4], ArtifactChecksum.Sha256Of([4]), default);

        var listed = await store.List("hypernets/m/checkpoints/r1/", default);

        Assert.Equal(["hypernets/m/checkpoints/r1/0000250-a.zip", "hypernets/m/checkpoints/r1/0000500-b.zip"], listed.Select(a => a.Key));
        Assert.Equal(ArtifactChecksum.Sha256Of([2]), listed[1].Sha256);
        Assert.Equal(1, listed[1].Bytes);
        Assert.Empty(await store.List("hypernets/other/", default));
    }

    [Fact]
    public async Task A_key_outside_the_local_folder_is_rejected()
    {
        var store = Store("local");

        await Assert.ThrowsAsync<ArgumentException>(() => store.Stage("../escape", [1], ArtifactChecksum.Sha256Of([1]), default));
    }

    public void Dispose() => _folder.Delete(recursive: true);

    private IArtifactStore Store(string kind) => kind == "local"
        ? new LocalFolderArtifactStore(_folder.FullName)
        : new AzureBlobArtifactStore(new BlobContainerClient(azurite.Server.ConnectionString, $"test-{Guid.NewGuid():N}"));
}
