using Lethe.Grains.Compute;
using Lethe.Grains.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Lethe.Grains.Tests;

public sealed class ComputeExecutorTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Two_compute_threads_run_two_calls_at_once_each_with_its_configured_torch_threads()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var executor = new ComputeExecutor(
            Options.Create(new ComputeOptions { Threads = 2, TorchThreads = 1 }),
            new LetheMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
            NullLogger<ComputeExecutor>.Instance);
        using var bothStarted = new Barrier(2);

        // Each call waits until the other one has started: with one thread they could never both get there.
        var calls = Enumerable.Range(0, 2).Select(_ => executor.Run(() =>
        {
            var met = bothStarted.SignalAndWait(Deadline);
            return (Met: met, Thread: Environment.CurrentManagedThreadId, TorchThreads: TorchSharp.torch.get_num_threads());
        }, CancellationToken.None)).ToList();
        var results = await Task.WhenAll(calls);

        Assert.All(results, r => Assert.True(r.Met, "the two calls did not run at the same time"));
        Assert.NotEqual(results[0].Thread, results[1].Thread);
        Assert.All(results, r => Assert.Equal(1, r.TorchThreads));
    }

    [Fact]
    public void Zero_threads_are_refused_naming_the_setting()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new LetheMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());

        var error = Assert.Throws<ArgumentException>(() => new ComputeExecutor(Options.Create(new ComputeOptions { Threads = 0 }), metrics, NullLogger<ComputeExecutor>.Instance));

        Assert.Contains("Lethe:Compute:Threads", error.Message);
    }
}
