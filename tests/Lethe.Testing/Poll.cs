using System.Diagnostics;

namespace Lethe.Testing;

/// <summary>
/// Waiting for work without a fixed sleep: retry every <c>interval</c> until the answer is there or the deadline
/// passes, then throw a <see cref="TimeoutException"/> that says what never happened.
/// </summary>
public static class Poll
{
    private static readonly object Reached = new();

    /// <summary>Retries <paramref name="attempt"/> until it returns a value, and returns that value.</summary>
    public static async Task<T> Until<T>(Func<Task<T?>> attempt, TimeSpan timeout, TimeSpan interval, Func<string> describeFailure) where T : class
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await attempt() is { } result)
            {
                return result;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Gave up after {timeout.TotalSeconds:0} s: {describeFailure()}");
            }

            await Task.Delay(interval);
        }
    }

    /// <summary>Retries <paramref name="condition"/> until it holds.</summary>
    public static Task Until(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan interval, Func<string> describeFailure) =>
        Until(async () => await condition() ? Reached : null, timeout, interval, describeFailure);

    /// <summary>
    /// Reads a value until <paramref name="condition"/> holds for it and returns that value; the failure message is
    /// given the last value read (a status, a progress record) so it can say where the work stood.
    /// </summary>
    public static async Task<T> Until<T>(Func<Task<T>> read, Func<T, bool> condition, TimeSpan timeout, TimeSpan interval, Func<T, string> describeFailure)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (condition(value))
            {
                return value;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Gave up after {timeout.TotalSeconds:0} s: {describeFailure(value)}");
            }

            await Task.Delay(interval);
        }
    }
}
