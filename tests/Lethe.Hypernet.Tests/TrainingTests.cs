using System.Runtime.InteropServices;
using System.Text.Json;
using Lethe.ML.Data;
using Lethe.ML.Hypernet;
using Lethe.ML.Storage;
using static TorchSharp.torch;

namespace Lethe.Hypernet.Tests;

public sealed class TrainingTests : TinyTrainingFolder
{
    // The synthetic parameters are a function of the per-class losses, which G.pt's one global loss cannot see, so
    // only the per-class variants are expected to learn them.
    [Theory]
    [InlineData("dihyfo1")]
    [InlineData("dihyfo2")]
    public void Tiny_training_run_lowers_its_held_out_diffusion_loss(string variant)
    {
        using var trainer = Open(variant, steps: 150, evaluateEvery: 1000);
        var before = trainer.MeasureHeldOutLoss();

        var status = trainer.Advance(150);

        Assert.True(status.Done);
        var after = trainer.MeasureHeldOutLoss();
        Assert.True(after < 0.85 * before, $"held-out loss {before} -> {after}");
    }

    [Fact]
    public void Training_resumes_from_its_checkpoint_and_publishes_the_best_version()
    {
        using (var first = Open("dihyfo2", steps: 60))
        {
            first.Advance(40);
        }

        using var resumed = Open("dihyfo2", steps: 60);
        Assert.Equal(40, resumed.Step);
        var status = resumed.Advance(100);

        Assert.Equal(60, status.Step);
        Assert.NotNull(status.BestVersion);
        Assert.True(File.Exists(new TrainingFolder(Folder).ModelPath()));
        Assert.True(File.Exists(Path.Combine(Folder, "learning-curves.png")));
        Assert.Contains(Directory.GetFiles(Path.Combine(Folder, "models", status.LatestVersion!)), f => f.EndsWith("alignment-class2.png"));
    }

    [Fact]
    public void A_model_is_found_from_its_file_its_version_folder_or_its_training_folder_and_anything_else_is_refused_naming_what_is_accepted()
    {
        string version;
        using (var training = Open("dihyfo2", steps: 30))
        {
            version = training.Advance(30).BestVersion!;
        }

        var file = Path.Combine(Folder, "models", version, "model.safetensors");
        Assert.Equal(file, TrainingFolder.ResolveModel(file));
        Assert.Equal(file, TrainingFolder.ResolveModel(Path.Combine(Folder, "models", version)));
        Assert.Equal(file, TrainingFolder.ResolveModel(Folder));
        var absent = Assert.Throws<FileNotFoundException>(() => TrainingFolder.ResolveModel(Path.Combine(Folder, "absent")));
        Assert.Contains("version folder (NAME/models/vNNNNNN)", absent.Message);
        var unpublished = Assert.Throws<FileNotFoundException>(() => TrainingFolder.ResolveModel(Path.Combine(Folder, "models")));
        Assert.Contains("no published hypernetwork", unpublished.Message);
    }

    [Fact]
    public void A_call_shorter_than_the_log_interval_writes_a_finite_train_loss_and_later_calls_keep_the_last_logged_one()
    {
        using var trainer = Open("dihyfo2", steps: 60);

        var first = trainer.Advance(3);
        var firstWritten = new TrainingFolder(Folder).ReadStatus()!;
        var logged = trainer.Advance(7);
        var between = trainer.Advance(4);

        Assert.True(double.IsFinite(first.TrainLoss) && first.TrainLoss > 0, $"train loss after 3 steps: {first.TrainLoss}");
        Assert.True(double.IsNaN(first.HeldOutLoss), "no held-out loss is measured before the first log entry");
        Assert.Equal(first.TrainLoss, firstWritten.TrainLoss);
        Assert.Equal(10, logged.Step);
        Assert.True(double.IsFinite(logged.HeldOutLoss));
        Assert.Equal(logged.TrainLoss, between.TrainLoss);
        Assert.Equal(logged.HeldOutLoss, between.HeldOutLoss);
        Assert.Equal(between.TrainLoss, new TrainingFolder(Folder).ReadStatus()!.TrainLoss);
    }

    [Fact]
    public void A_folder_holding_another_training_is_refused()
    {
        using (Open("dihyfo2", steps: 20))
        {
        }

        var error = Assert.Throws<InvalidOperationException>(() => Open("dihyfo1", steps: 20));
        Assert.Contains("Use another name", error.Message);
    }

    [Fact]
    public void Sampling_with_the_same_seed_gives_identical_vectors_and_another_seed_different()
    {
        using var trainer = Open("dihyfo1", steps: 30);
        trainer.Advance(30);
        using var model = HypernetModel.Load(new TrainingFolder(Folder).ModelPath());
        var current = Lethe.ML.Nets.ParameterLayout.For(Preset.Architecture).InitialParameters(9);
        var conditions = new SampleConditions([0.1f, 0.1f, 3f, 0.2f], current, [1.4f, 1.4f, 1.4f, 1.4f]);

        var first = model.Sample(conditions, 3, seed: 42, steps: 10, sampler: "ddpm");
        var again = model.Sample(conditions, 3, seed: 42, steps: 10, sampler: "ddpm");
        var other = model.Sample(conditions, 3, seed: 43, steps: 10, sampler: "ddpm");

        Assert.Equal(first.SelectMany(v => v), again.SelectMany(v => v));
        Assert.NotEqual(first.SelectMany(v => v), other.SelectMany(v => v));
        Assert.All(first, v => Assert.Equal(1582, v.Length));
    }

    [Fact]
    public void A_loaded_model_samples_exactly_what_the_trained_model_samples()
    {
        using var trainer = Open("dihyfo2", steps: 30);
        trainer.Advance(30);
        using var model = HypernetModel.Load(new TrainingFolder(Folder).ModelPath());
        var conditions = new SampleConditions([0.1f, 0.1f, 3f, 0.2f]);

        Assert.Equal(
            trainer.EmaModel.Sample(conditions, 2, seed: 1, steps: 8).SelectMany(v => v),
            model.Sample(conditions, 2, seed: 1, steps: 8).SelectMany(v => v));
    }

    [Fact]
    public void Sampling_rejects_conditions_of_the_wrong_width_with_a_clear_message()
    {
        using var trainer = Open("dihyfo2", steps: 10);

        var error = Assert.Throws<ArgumentException>(() => trainer.EmaModel.Sample(new SampleConditions([0.1f, 0.2f]), 1, seed: 1, steps: 2));
        Assert.Contains("needs 4 values", error.Message);
    }

    [Fact]
    public void Two_trainings_with_the_same_options_in_one_process_train_the_same_model()
    {
        float[] TrainedWeights()
        {
            using var trainer = Open("dihyfo2", steps: 20, evaluateEvery: 1000);
            _ = rand(100);   // whatever else used torch's global generator in between must not matter
            trainer.Advance(20);
            var weights = trainer.EmaModel.Denoiser.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
            Dispose();
            return weights;
        }

        Assert.Equal(TrainedWeights(), TrainedWeights());
    }

    [Fact]
    public void A_step_that_fails_in_native_code_is_redone_from_the_last_checkpoint_and_the_training_ends_as_if_it_had_not()
    {
        var options = HypernetOptions.ForPreset("tiny", "dihyfo2") with { Steps = 60, EvaluateEvery = 30, CheckpointEvery = 20, LogEvery = 10 };
        using (var clean = OpenTraining(options))
        {
            clean.Advance(60);
        }

        var failingFolder = Folder + "-failing";
        try
        {
            using var failing = OpenTraining(options, failingFolder);
            var failures = 0;
            // As TorchSharp's AdamW.step fails: after the optimiser has moved some parameters, before the EMA follows.
            failing.AfterOptimizerStep = step =>
            {
                if (step == 45 && failures++ == 0)
                {
                    throw new ExternalException("Expected false to be true, but got false.");
                }
            };

            var status = failing.Advance(100);

            Assert.Equal(60, status.Step);
            var recovery = Assert.Single(failing.Recoveries);
            Assert.Contains("step 45 failed", recovery);
            Assert.Contains("checkpoint at step 40", recovery);
            Assert.Contains("step 45 failed", File.ReadAllText(Path.Combine(failingFolder, TrainingFolder.RecoveriesFile)));
            Assert.Equal(StateTensors(Folder), StateTensors(failingFolder));
            Assert.Equal(File.ReadAllLines(Path.Combine(Folder, "log.jsonl")).Length, File.ReadAllLines(Path.Combine(failingFolder, "log.jsonl")).Length);
        }
        finally
        {
            Directory.Delete(failingFolder, recursive: true);
        }
    }

    [Fact]
    public void A_step_that_keeps_failing_in_native_code_is_reported_after_three_roll_backs()
    {
        using var trainer = Open("dihyfo2", steps: 60);
        var attempts = 0;
        trainer.AfterOptimizerStep = step =>
        {
            if (step == 25)
            {
                attempts++;
                throw new ExternalException("Expected false to be true, but got false.");
            }
        };

        Assert.Throws<ExternalException>(() => trainer.Advance(60));
        Assert.Equal(HypernetTrainer.MaxFailuresPerCheckpoint + 1, attempts);
        Assert.Equal(HypernetTrainer.MaxFailuresPerCheckpoint, trainer.Recoveries.Count);
    }

    /// <summary>Every tensor (weights and EMA) of a folder's last training checkpoint.</summary>
    private static SortedDictionary<string, float[]> StateTensors(string folder)
    {
        var state = Path.Combine(folder, "state");
        var weights = JsonDocument.Parse(File.ReadAllText(Path.Combine(state, "current.json"))).RootElement.GetProperty("Weights").GetString()!;
        var (tensors, _) = SafetensorsFile.Read(File.ReadAllBytes(Path.Combine(state, weights)), weights);
        return new SortedDictionary<string, float[]>(tensors.ToDictionary(t => t.Key, t => t.Value.AsFloats().ToArray()));
    }

    private HypernetTrainer Open(string variant, int steps, int evaluateEvery = 30)
    {
        var options = HypernetOptions.ForPreset("tiny", variant) with { Steps = steps, EvaluateEvery = evaluateEvery, CheckpointEvery = 20, LogEvery = 10 };
        return OpenTraining(options);
    }
}
