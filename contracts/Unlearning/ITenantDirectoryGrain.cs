namespace Lethe.Contracts.Unlearning;

/// <summary>The names of every tenant (one grain, key <see cref="Key"/>); tenant grains add and remove themselves.</summary>
[Alias("lethe.ITenantDirectoryGrain")]
public interface ITenantDirectoryGrain : IGrainWithIntegerKey
{
    public const long Key = 0;

    [Alias("Add")]
    Task Add(string tenant);

    [Alias("Remove")]
    Task Remove(string tenant);

    [Alias("List")]
    Task<string[]> List();
}
