using Xunit.Abstractions;

namespace Lethe.Cluster.Tests;

/// <summary>Silo processes started together; on a failure their last output goes to the test's output, and disposing stops them all.</summary>
public sealed class SiloGroup(IReadOnlyList<SiloProcess> silos, ITestOutputHelper output) : IAsyncDisposable
{
    public IReadOnlyList<SiloProcess> Silos => silos;

    public async Task StartAll(TimeSpan timeout)
    {
        foreach (var silo in silos)
        {
            silo.Start();
        }

        await Task.WhenAll(silos.Select(s => s.WaitUntilReady(timeout)));
    }

    /// <summary>Each silo's last output lines, for a failing test.</summary>
    public void WriteTails()
    {
        foreach (var silo in silos)
        {
            output.WriteLine($"---- {silo.Name} (last lines since it last started)");
            output.WriteLine(silo.Tail());
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in silos)
        {
            await silo.DisposeAsync();
        }
    }
}
