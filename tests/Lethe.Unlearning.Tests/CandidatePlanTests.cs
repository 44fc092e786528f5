using Lethe.ML.Unlearning;

namespace Lethe.Unlearning.Tests;

public sealed class CandidatePlanTests
{
    private static readonly double[] Ladder = [.. HypernetParameterSampler.DefaultLadder];

    [Theory]
    [InlineData(1, 7, 8)]
    [InlineData(9, 7, 8)]
    [InlineData(64, 7, 8)]
    [InlineData(64, 1, 8)]
    [InlineData(65, 1, 8)]
    [InlineData(100, 7, 3)]
    [InlineData(5, 7, 1)]
    public void The_batches_cover_every_candidate_exactly_once_in_order(int count, int scales, int batchSize)
    {
        var plan = CandidatePlan.Create(count, Ladder[..scales], seed: 1, batchSize);

        Assert.Equal(Enumerable.Range(0, count), plan.Batches.SelectMany(b => Enumerable.Range(b.FirstRow, b.Rows)));
        Assert.Equal(Enumerable.Range(0, plan.Batches.Count), plan.Batches.Select(b => b.Index));
        Assert.All(plan.Batches, b => Assert.InRange(b.Rows, 1, batchSize));
    }

    [Fact]
    public void The_candidates_are_spread_over_the_guidance_ladder_as_the_sampler_spread_them_before_batches()
    {
        // N / scales rows per scale, the first N mod scales scales one more, in ladder order.
        Assert.Equal([1, 1, 1.5, 1.5, 2, 3, 4, 6, 8], Enumerable.Range(0, 9).Select(r => CandidatePlan.Create(9, Ladder, 1).BatchOf(r).Guidance));
        var plan = CandidatePlan.Create(64, Ladder, seed: 1);
        Assert.Equal([10, 9, 9, 9, 9, 9, 9], Ladder.Select(g => plan.Batches.Where(b => b.Guidance == g).Sum(b => b.Rows)));
        // 10 rows at scale 1 are two batches (8 + 2); a batch never mixes scales.
        Assert.Equal([8, 2, 8, 1], plan.Batches.Take(4).Select(b => b.Rows));
        Assert.Equal([1, 1, 1.5, 1.5], plan.Batches.Take(4).Select(b => b.Guidance));
    }

    [Fact]
    public void Batch_seeds_repeat_for_the_same_request_and_differ_between_batches_and_requests()
    {
        var first = CandidatePlan.Create(64, Ladder, seed: 1001);
        var again = CandidatePlan.Create(64, Ladder, seed: 1001);
        var next = CandidatePlan.Create(64, Ladder, seed: 1002);

        Assert.Equal(first.Batches, again.Batches);
        Assert.Equal(first.Batches.Count, first.Batches.Select(b => b.Seed).Distinct().Count());
        Assert.Empty(first.Batches.Select(b => b.Seed).Intersect(next.Batches.Select(b => b.Seed)));
        Assert.All(first.Batches, b => Assert.True(b.Seed >= 0));
    }

    [Fact]
    public void The_chosen_candidates_guidance_is_described_for_the_report()
    {
        var described = CandidatePlan.Create(9, Ladder, seed: 1).Describe(8);
        Assert.Equal(8.0, described["selected_guidance"]);
        Assert.Equal(Ladder, (IEnumerable<double>)described["guidance_scales"]);
    }

    [Theory]
    [InlineData(0, 8, "at least one candidate")]
    [InlineData(4, 0, "batch size must be at least 1")]
    public void A_plan_without_candidates_or_with_empty_batches_is_refused(int count, int batchSize, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => CandidatePlan.Create(count, Ladder, 1, batchSize));
        Assert.Contains(reason, error.Message);
    }
}
