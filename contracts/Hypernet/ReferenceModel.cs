using System.Security.Cryptography;
using System.Text;

namespace Lethe.Contracts.Hypernet;

/// <summary>
/// A task net kept for comparison (e.g. the model retrained without the forget classes that unlearning is measured
/// against), stored as an MLP safetensors file in the artifact store.
/// </summary>
[GenerateSerializer, Immutable, Alias("lethe.reference-model")]
public sealed record ReferenceModel(
    [property: Id(0)] string Name,
    [property: Id(1)] string Task,
    [property: Id(2)] string ArtifactKey,
    [property: Id(3)] string Sha256,
    [property: Id(4)] string Description)
{
    /// <summary>
    /// Registry name of the model retrained without <paramref name="forget"/>, which requests for this task, forget set,
    /// seed and data are measured against; whoever trains it first registers it under this name, and no request trains it again.
    /// </summary>
    public static string RetrainedName(string task, IEnumerable<int> forget, int seed, string data) =>
        RetrainedName(task, string.Join("-", forget.Distinct().Order()), seed, data);

    /// <summary>The same name for any forget set by its key (classes <c>2-3</c>, or a sample set's key such as <c>random10-seed4</c>).</summary>
    public static string RetrainedName(string task, string forgetKey, int seed, string data) =>
        $"retrain-{task}-forget{forgetKey}-seed{seed}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(data)))[..8]}";
}
