namespace Lethe.Grains.Tests;

/// <summary>One Azurite for all tests of a class: an xunit class fixture around the shared <see cref="AzuriteServer"/>.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public AzuriteServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await AzuriteServer.Start();

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}
