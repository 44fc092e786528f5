using Orleans.Core;

namespace Lethe.Grains.Activation;

/// <summary>
/// Writes a grain's persisted state one write at a time. A grain's background work and its calls interleave at awaits,
/// so two writes can be asked for at once, and Orleans storage rejects a write while another is in flight (the second
/// carries the ETag the first is replacing); the Chirper sample's reentrant grain guards its writes the same way.
/// </summary>
public sealed class StateWriter(IStorage storage)
{
    private readonly SemaphoreSlim _writing = new(1, 1);

    /// <summary>Writes the state as it is when this write's turn comes.</summary>
    public async Task Write()
    {
        await _writing.WaitAsync();
        try
        {
            await storage.WriteStateAsync();
        }
        finally
        {
            _writing.Release();
        }
    }
}
