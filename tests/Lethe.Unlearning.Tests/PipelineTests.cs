using Lethe.ML.Data;
using Lethe.ML.Evaluation;
using Lethe.ML.Unlearning;

namespace Lethe.Unlearning.Tests;

public sealed class PipelineTests
{
    [Fact]
    public async Task The_pipeline_trains_the_reference_runs_the_method_and_reports_its_stages_in_order()
    {
        var seen = new List<UnlearningProgress>();

        var run = await UnlearningPipeline.RunAsync(
            new UnlearningPipelineInput(TinyTask.Original, TaskPreset.Mnist4, ForgetSet.OfClasses([2]), 1, "npm", new FinetuneMethod()), new InlineUnlearningContext(seen.Add), CancellationToken.None);

        Assert.Equal(["loading data", "retraining the reference", "unlearning", "evaluating"], seen.Select(p => p.Stage).Distinct());
        Assert.True(run.ReferenceTrained);
        var split = TinyTask.Split([2]);
        // The same model the method gives alone, measured against the same retrained model retrain gives alone.
        Assert.Equal((await TinyTask.Unlearn(new FinetuneMethod(), new UnlearningRequest(TinyTask.Original, split, 1))).Parameters, run.Parameters);
        Assert.Equal((await TinyTask.Unlearn(new RetrainMethod(), new UnlearningRequest(TinyTask.Original, split, 1))).Parameters, run.Reference);
        Assert.Equal("finetune", run.Report.Method);
        Assert.Equal([2], run.Report.Forget);
        Assert.Equal(RetrainMethod.FreshSeed(1), run.Report.Seeds["retrained_init"]);
        Assert.NotNull(run.Report.Original);
    }

    [Fact]
    public async Task A_stored_reference_is_measured_against_and_not_trained_again()
    {
        var first = await UnlearningPipeline.RunAsync(
            new UnlearningPipelineInput(TinyTask.Original, TaskPreset.Mnist4, ForgetSet.OfClasses([2]), 1, "npm", new TaskNegationMethod()), new InlineUnlearningContext(), CancellationToken.None);
        var seen = new List<UnlearningProgress>();

        var again = await UnlearningPipeline.RunAsync(
            new UnlearningPipelineInput(TinyTask.Original, TaskPreset.Mnist4, ForgetSet.OfClasses([2]), 1, "npm", new TaskNegationMethod(), first.Reference), new InlineUnlearningContext(seen.Add), CancellationToken.None);

        Assert.False(again.ReferenceTrained);
        Assert.DoesNotContain(seen, p => p.Stage == "retraining the reference");
        Assert.Same(first.Reference, again.Reference);
        Assert.Equal(first.Parameters, again.Parameters);
        Assert.Equal(first.Report.Unlearned.Figures(), again.Report.Unlearned.Figures());
    }

    [Fact]
    public async Task A_model_of_the_wrong_shape_is_refused_before_the_digits_load()
    {
        var seen = new List<UnlearningProgress>();
        var input = new UnlearningPipelineInput(new float[10], TaskPreset.Mnist4, ForgetSet.OfClasses([2]), 1, Path.Combine(Path.GetTempPath(), "no-digits-here"), new FinetuneMethod());

        var error = await Assert.ThrowsAsync<ArgumentException>(() => UnlearningPipeline.RunAsync(input, new InlineUnlearningContext(seen.Add), CancellationToken.None));

        Assert.Contains("The model has 10 parameters; a 784-2-4 MLP of preset mnist4 has 1582", error.Message);
        Assert.Empty(seen);
    }

    [Fact]
    public async Task A_pivot_in_the_forget_set_is_refused_before_the_digits_load()
    {
        var input = new UnlearningPipelineInput(TinyTask.Original, TaskPreset.Mnist4, ForgetSet.OfClasses([0]), 1, Path.Combine(Path.GetTempPath(), "no-digits-here"), new FinetuneMethod());
        var error = await Assert.ThrowsAsync<ArgumentException>(() => UnlearningPipeline.RunAsync(input, new InlineUnlearningContext(), CancellationToken.None));
        Assert.Contains("pivot class 0", error.Message);
    }
}
