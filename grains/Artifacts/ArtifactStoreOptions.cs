using Azure.Storage.Blobs;

namespace Lethe.Grains.Artifacts;

/// <summary>Where artifacts go (configuration section <c>Lethe:Artifacts</c>).</summary>
public sealed class ArtifactStoreOptions
{
    public const string Section = "Lethe:Artifacts";

    /// <summary><c>local</c> (a folder) or <c>blob</c> (Azure Blob Storage or Azurite); unset means the profile's default.</summary>
    public string? Kind { get; set; }

    /// <summary>Folder of the local store; it outlives the process, so re-running a job finds its shards.</summary>
    public string LocalPath { get; set; } = Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "lethe", "artifacts");

    public string? BlobConnectionString { get; set; }

    public string BlobContainer { get; set; } = "lethe-artifacts";

    public IArtifactStore CreateStore() => (Kind ?? "local") switch
    {
        "local" => new LocalFolderArtifactStore(LocalPath),
        "blob" => new AzureBlobArtifactStore(new BlobContainerClient(
            BlobConnectionString ?? throw new ArgumentException("Lethe:Artifacts:Kind is 'blob' but Lethe:Artifacts:BlobConnectionString is not set."),
            BlobContainer)),
        _ => throw new ArgumentException($"Unknown artifact store kind '{Kind}'; accepted: local, blob."),
    };
}
