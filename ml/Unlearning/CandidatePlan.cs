namespace Lethe.ML.Unlearning;

/// <summary>
/// How one request's N candidates are sampled: spread evenly over the guidance scales in ladder order (N / scales rows
/// per scale, the first N mod scales scales one more), each scale's rows cut into batches of at most
/// <see cref="BatchSize"/> rows, each batch with its own seed derived from the request's seed and the batch's index.
/// The candidates are the rows of the batches in order. Batches are independent of one another, so they can be sampled
/// anywhere and in any order and still give the same candidates; the batch size is part of the plan because a batch's
/// noise is drawn for all its rows at once.
/// </summary>
public sealed class CandidatePlan
{
    /// <summary>Rows per batch unless told otherwise: small enough to spread 64 candidates over several silos.</summary>
    public const int DefaultBatchSize = 8;

    private CandidatePlan(int count, IReadOnlyList<double> guidances, int seed, int batchSize, IReadOnlyList<CandidateBatch> batches)
    {
        Count = count;
        Guidances = guidances;
        Seed = seed;
        BatchSize = batchSize;
        Batches = batches;
    }

    public int Count { get; }

    public IReadOnlyList<double> Guidances { get; }

    public int Seed { get; }

    public int BatchSize { get; }

    public IReadOnlyList<CandidateBatch> Batches { get; }

    public static CandidatePlan Create(int count, IReadOnlyList<double> guidances, int seed, int batchSize = DefaultBatchSize)
    {
        if (count < 1)
        {
            throw new ArgumentException($"A candidate plan needs at least one candidate; got {count}.");
        }

        if (guidances.Count == 0)
        {
            throw new ArgumentException("A candidate plan needs at least one guidance scale.");
        }

        if (batchSize < 1)
        {
            throw new ArgumentException($"The candidate batch size must be at least 1; got {batchSize}.");
        }

        var batches = new List<CandidateBatch>();
        var row = 0;
        for (var g = 0; g < guidances.Count; g++)
        {
            var rows = (count / guidances.Count) + (g < count % guidances.Count ? 1 : 0);
            for (var done = 0; done < rows; done += batchSize)
            {
                var n = Math.Min(batchSize, rows - done);
                batches.Add(new CandidateBatch(batches.Count, row, n, guidances[g], BatchSeed(seed, batches.Count)));
                row += n;
            }
        }

        return new CandidatePlan(count, [.. guidances], seed, batchSize, batches);
    }

    /// <summary>
    /// The seed of batch <paramref name="batch"/> of a request seeded <paramref name="seed"/>: SplitMix64 of both, so
    /// neighbouring batches and neighbouring requests (the bench's seeds 1001, 1002, ...) never share noise.
    /// </summary>
    public static long BatchSeed(int seed, int batch)
    {
        var z = unchecked(((ulong)(uint)seed << 32) | (uint)batch) + 0x9E3779B97F4A7C15UL;
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (long)((z ^ (z >> 31)) & long.MaxValue);
    }

    /// <summary>The batch candidate <paramref name="row"/> is sampled in.</summary>
    public CandidateBatch BatchOf(int row) =>
        Batches.FirstOrDefault(b => row >= b.FirstRow && row < b.FirstRow + b.Rows)
        ?? throw new ArgumentOutOfRangeException(nameof(row), $"Candidate {row} is not among {Count}.");

    /// <summary>The guidance scales and the chosen candidate's scale, for the report (DiHyFo's details).</summary>
    public IReadOnlyDictionary<string, object> Describe(int row) => new Dictionary<string, object>
    {
        ["guidance_scales"] = Guidances,
        ["selected_guidance"] = BatchOf(row).Guidance,
    };
}
