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
        using var executor = Executor(services, new ComputeOptions { Threads = 2, TorchThreads = 1 });
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
    public async Task An_interactive_call_runs_while_a_long_call_holds_the_compute_thread()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var executor = Executor(services, new ComputeOptions { Threads = 1, InteractiveThreads = 1, TorchThreads = 1 });
        using var release = new ManualResetEventSlim();
        var longCall = HoldComputeThread(executor, release);

        var interactive = await executor.Run(() => Environment.CurrentManagedThreadId, CancellationToken.None, interactive: true).WaitAsync(Deadline);

        Assert.False(longCall.IsCompleted, "the long call finished first: the interactive call may have waited for it");
        release.Set();
        Assert.True(await longCall);
        Assert.NotEqual(Environment.CurrentManagedThreadId, interactive);
    }

    [Fact]
    public async Task Without_interactive_threads_an_interactive_call_still_goes_before_queued_ordinary_ones()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var executor = Executor(services, new ComputeOptions { Threads = 1, InteractiveThreads = 0, TorchThreads = 1 });
        using var release = new ManualResetEventSlim();
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var first = HoldComputeThread(executor, release);
        var ordinary = executor.Run(() => { order.Enqueue("ordinary"); return 0; }, CancellationToken.None);
        var interactive = executor.Run(() => { order.Enqueue("interactive"); return 0; }, CancellationToken.None, interactive: true);

        release.Set();
        await Task.WhenAll(first, ordinary, interactive).WaitAsync(Deadline);

        Assert.Equal(["interactive", "ordinary"], order);
    }

    [Fact]
    public void Zero_threads_are_refused_naming_the_setting()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new LetheMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());

        var error = Assert.Throws<ArgumentException>(() => new ComputeExecutor(Options.Create(new ComputeOptions { Threads = 0 }), metrics, NullLogger<ComputeExecutor>.Instance));

        Assert.Contains("Lethe:Compute:Threads", error.Message);
    }

    /// <summary>A call that occupies the compute thread until <paramref name="release"/> is set; returns once it runs.</summary>
    private static Task<bool> HoldComputeThread(ComputeExecutor executor, ManualResetEventSlim release)
    {
        using var started = new ManualResetEventSlim();
        var call = executor.Run(() =>
        {
            started.Set();
            return release.Wait(Deadline);
        }, CancellationToken.None);
        Assert.True(started.Wait(Deadline), "the long call never started");
        return call;
    }

    private static ComputeExecutor Executor(ServiceProvider services, ComputeOptions options) =>
        new(Options.Create(options), new LetheMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()), NullLogger<ComputeExecutor>.Instance);
}
