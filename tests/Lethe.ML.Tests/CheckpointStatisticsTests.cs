using Lethe.ML.Storage;

namespace Lethe.ML.Tests;

public sealed class CheckpointStatisticsTests
{
    /// <summary>
    /// Three checkpoints of two runs, 2 parameters and 3 classes; every value tells its row apart, and the rows are
    /// stored out of (run, step) order: run 1 step 0, run 0 step 5, run 0 step 0.
    /// </summary>
    private static CheckpointBatch ThreeRows() => new(
        3, 2, 3,
        [10, 11, 20, 21, 30, 31],
        [0.5f, 2.0f, 1.0f, 1.5f, 0.25f, 3.0f, 1.0f, 4.0f, 2.0f],
        [0.9f, 0.1f, 0.5f, 0.6f, 0.8f, 0.2f, 0.7f, 0.3f, 0.4f],
        [1, 0, 0],
        [0, 5, 0],
        [0, 1, 0]);

    [Fact]
    public void Statistics_are_the_mean_min_and_max_of_each_class_loss()
    {
        var statistics = CheckpointStatistics.Of(ThreeRows());

        // By hand: class 0 sees 0.5, 1.5, 1.0; class 1 sees 2.0, 0.25, 4.0; class 2 sees 1.0, 3.0, 2.0.
        Assert.Equal(3, statistics.Count);
        Assert.Equal([1.0f, 6.25f / 3, 2.0f], statistics.MeanClassLoss);
        Assert.Equal([0.5f, 0.25f, 1.0f], statistics.MinClassLoss);
        Assert.Equal([1.5f, 4.0f, 3.0f], statistics.MaxClassLoss);
    }

    [Fact]
    public void The_mean_of_many_equal_losses_is_that_loss_exactly()
    {
        const int rows = 100_000;
        var batch = new CheckpointBatch(rows, 0, 1, [], Enumerable.Repeat(0.1f, rows).ToArray(), new float[rows],
            new int[rows], new int[rows], new int[rows]);

        Assert.Equal(0.1f, CheckpointStatistics.Of(batch).MeanClassLoss[0]);
    }

    [Fact]
    public void Selected_rows_carry_every_array_of_their_checkpoint_in_the_given_order()
    {
        var selected = ThreeRows().SelectRows([2, 0]);

        Assert.Equal(2, selected.Count);
        Assert.Equal([30f, 31f, 10f, 11f], selected.Params);
        Assert.Equal([1.0f, 4.0f, 2.0f, 0.5f, 2.0f, 1.0f], selected.ClassLoss);
        Assert.Equal([0.7f, 0.3f, 0.4f, 0.9f, 0.1f, 0.5f], selected.ClassAcc);
        Assert.Equal([0, 1], selected.Run);
        Assert.Equal([0, 0], selected.Step);
        Assert.Equal([0, 0], selected.Epoch);
        selected.Validated();
    }

    [Fact]
    public void Run_step_order_sorts_by_run_then_step()
    {
        var ordered = ThreeRows().InRunStepOrder();

        Assert.Equal([0, 0, 1], ordered.Run);
        Assert.Equal([0, 5, 0], ordered.Step);
        Assert.Equal([30f, 31f, 20f, 21f, 10f, 11f], ordered.Params);
    }

    [Fact]
    public void Rows_by_run_hold_each_run_once_in_storage_order()
    {
        var byRun = ThreeRows().ByRun();

        Assert.Equal([0, 1], byRun.Keys.Order());
        Assert.Equal([5, 0], byRun[0].Step);
        Assert.Equal([20f, 21f, 30f, 31f], byRun[0].Params);
        Assert.Equal([10f, 11f], byRun[1].Params);
    }
}
