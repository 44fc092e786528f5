namespace Lethe.Ops.Tests;

public static class Poll
{
    /// <summary>Retries <paramref name="attempt"/> every <paramref name="interval"/> until it returns a value or the deadline passes.</summary>
    public static async Task<T> Until<T>(Func<Task<T?>> attempt, TimeSpan timeout, TimeSpan interval, Func<string> describeFailure) where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await attempt() is { } result)
            {
                return result;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Gave up after {timeout.TotalSeconds:0} s: {describeFailure()}");
            }

            await Task.Delay(interval);
        }
    }
}
