using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Lethe.ML.Storage;

namespace Lethe.ML.Hypernet;

/// <summary>
/// The folder a hypernetwork training owns, laid out so the training can stop anywhere and resume:
/// <list type="bullet">
/// <item><c>training.json</c>: options, dataset identity and parameter normalization, fixed at creation (<see cref="TrainingDefinition"/>);</item>
/// <item><c>state/</c>: model, EMA and AdamW state of the last checkpoint, committed by renaming <c>current.json</c>;</item>
/// <item><c>log.jsonl</c>, <c>recoveries.log</c>, <c>status.json</c>, <c>learning-curves.png</c>;</item>
/// <item><c>models/vNNNNNN/</c>: published versions (EMA weights, alignment report, plots); <c>models/best.json</c>
/// names the version with the best prompt alignment.</item>
/// </list>
/// The folder travels between silos as one archive (<see cref="Pack"/>, <see cref="Restore"/>). Every file is written
/// under a temporary name and renamed, so a crash leaves the previous content in force.
/// </summary>
public sealed class TrainingFolder(string path)
{
    public const string DefinitionFile = "training.json";

    public const string StatusFile = "status.json";

    public const string LogFile = "log.jsonl";

    /// <summary>One line per native failure a trainer recovered from (<see cref="HypernetTrainer.Recoveries"/>).</summary>
    public const string RecoveriesFile = "recoveries.log";

    public const string LearningCurvesFile = "learning-curves.png";

    /// <summary>A published version's weights, inside its version folder.</summary>
    public const string ModelFile = "model.safetensors";

    /// <summary>A published version's <see cref="AlignmentReport"/>, inside its version folder.</summary>
    public const string AlignmentFile = "alignment.json";

    private const string StateFolder = "state";
    private const string CurrentStateFile = "current.json";
    private const string ModelsFolder = "models";
    private const string BestFile = "best.json";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>A loss is NaN until the first one is measured; plain JSON has no NaN, so it is written as "NaN".</summary>
    private static readonly JsonSerializerOptions StatusJson = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string Path { get; } = path;

    public bool HasDefinition => File.Exists(Under(DefinitionFile));

    /// <summary>Whether <c>state/</c> holds a committed state to go back to.</summary>
    public bool HasState => File.Exists(CurrentStatePath);

    private string CurrentStatePath => Under(StateFolder, CurrentStateFile);

    public static string VersionName(int step) => $"v{step:D6}";

    /// <summary>
    /// The model file a user named: a model file itself, a published version folder (<c>NAME/models/vNNNNNN</c>, holding
    /// <c>model.safetensors</c>) or a training folder (its best version).
    /// </summary>
    public static string ResolveModel(string fileOrFolder)
    {
        if (File.Exists(fileOrFolder))
        {
            return fileOrFolder;
        }

        var versionFile = System.IO.Path.Combine(fileOrFolder, ModelFile);
        if (File.Exists(versionFile))
        {
            return versionFile;
        }

        if (Directory.Exists(fileOrFolder))
        {
            return new TrainingFolder(fileOrFolder).ModelPath();
        }

        throw new FileNotFoundException(
            $"'{fileOrFolder}' is neither a hypernetwork file (model.safetensors), a version folder (NAME/models/vNNNNNN) nor a training folder (NAME, from 'lethe train').");
    }

    /// <summary>
    /// Replaces the folder at <paramref name="path"/> with the content of an archive from <see cref="Pack"/>, or with
    /// nothing (a fresh start) when <paramref name="archive"/> is null.
    /// </summary>
    public static TrainingFolder Restore(string path, byte[]? archive)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }

        Directory.CreateDirectory(path);
        if (archive is not null)
        {
            using var zip = new ZipArchive(new MemoryStream(archive), ZipArchiveMode.Read);
            zip.ExtractToDirectory(path);
        }

        return new TrainingFolder(path);
    }

    /// <summary>
    /// The folder as one archive for an artifact store. The published versions' model files
    /// (<c>models/v*/model.safetensors</c>) stay out: they are artifacts of their own, and a trainer needs only
    /// <c>models/best.json</c> to go on. Their small alignment reports and plots stay in, so the archive plus the
    /// published model files is the folder an in-process training keeps (what <c>lethe train</c> exports).
    /// </summary>
    public byte[] Pack()
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var file in Directory.EnumerateFiles(Path, "*", SearchOption.AllDirectories))
            {
                var name = System.IO.Path.GetRelativePath(Path, file).Replace(System.IO.Path.DirectorySeparatorChar, '/');
                if (IsVersionFile(name) || name.Contains(".tmp", StringComparison.Ordinal) || name.Contains(".partial", StringComparison.Ordinal))
                {
                    continue;
                }

                zip.CreateEntryFromFile(file, name, CompressionLevel.Fastest);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>What the training is (<c>training.json</c>), with its options validated.</summary>
    public TrainingDefinition ReadDefinition()
    {
        var definitionPath = Under(DefinitionFile);
        if (!File.Exists(definitionPath))
        {
            throw new FileNotFoundException($"{Path} holds no hypernetwork training ({definitionPath} not found).");
        }

        var definition = JsonSerializer.Deserialize<TrainingDefinition>(File.ReadAllText(definitionPath)) ?? throw new InvalidDataException($"{definitionPath} is empty.");
        return definition with { Options = definition.Options.Validated() };
    }

    /// <summary>Creates the folder with its <c>training.json</c>.</summary>
    public void Create(TrainingDefinition definition)
    {
        Directory.CreateDirectory(Path);
        ShardFolder.WriteAtomically(Under(DefinitionFile), JsonSerializer.SerializeToUtf8Bytes(definition, Indented));
    }

    /// <summary>The state <see cref="SaveState"/> last committed, or null before the first.</summary>
    public TrainingState? LoadState()
    {
        var current = CurrentStatePath;
        if (!File.Exists(current))
        {
            return null;
        }

        var record = JsonSerializer.Deserialize<StateRecord>(File.ReadAllText(current)) ?? throw new InvalidDataException($"{current} is empty.");
        var (tensors, _) = SafetensorsFile.Read(File.ReadAllBytes(Under(StateFolder, record.Weights)), record.Weights);
        return new TrainingState(record.Step, record.ElapsedSeconds, tensors, Under(StateFolder, record.Optimizer));
    }

    /// <summary>
    /// Writes the tensors, then the optimiser state (<paramref name="saveOptimizer"/> writes it to the path it is given),
    /// then commits both by renaming <c>current.json</c>, and deletes the state files it replaces.
    /// </summary>
    public void SaveState(int step, double elapsedSeconds, IReadOnlyList<SafetensorsTensor> tensors, Action<string> saveOptimizer)
    {
        var state = Under(StateFolder);
        Directory.CreateDirectory(state);
        var weights = $"weights-{step:D7}.safetensors";
        var optimizer = $"optimizer-{step:D7}.bin";
        ShardFolder.WriteAtomically(System.IO.Path.Combine(state, weights), SafetensorsFile.Write(tensors));
        var optimizerTemporary = System.IO.Path.Combine(state, optimizer + ".tmp");
        saveOptimizer(optimizerTemporary);
        File.Move(optimizerTemporary, System.IO.Path.Combine(state, optimizer), overwrite: true);
        // Renaming current.json is the commit: a crash before it leaves the previous state in force.
        ShardFolder.WriteAtomically(CurrentStatePath, JsonSerializer.SerializeToUtf8Bytes(new StateRecord(step, elapsedSeconds, weights, optimizer), Indented));
        foreach (var old in Directory.EnumerateFiles(state).Where(f => !f.EndsWith(weights, StringComparison.Ordinal) && !f.EndsWith(optimizer, StringComparison.Ordinal) && !f.EndsWith(CurrentStateFile, StringComparison.Ordinal)))
        {
            File.Delete(old);
        }
    }

    public void AppendLog(TrainingLogEntry entry) =>
        File.AppendAllText(Under(LogFile), JsonSerializer.Serialize(entry) + "\n");

    /// <summary>
    /// The log up to <paramref name="step"/>. Entries after it were made by a run that did not commit its state; they
    /// are dropped from the file, since they will be redone.
    /// </summary>
    public IReadOnlyList<TrainingLogEntry> TruncateLog(int step)
    {
        var logPath = Under(LogFile);
        if (!File.Exists(logPath))
        {
            return [];
        }

        var kept = File.ReadAllLines(logPath).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<TrainingLogEntry>(l)!).Where(e => e.Step <= step).ToList();
        ShardFolder.WriteAtomically(logPath, Encoding.UTF8.GetBytes(string.Concat(kept.Select(e => JsonSerializer.Serialize(e) + "\n"))));
        return kept;
    }

    public void AppendRecovery(string recovery) =>
        File.AppendAllText(Under(RecoveriesFile), $"{DateTimeOffset.UtcNow:O} {recovery}\n");

    /// <summary>The status the folder holds, or null when it holds none.</summary>
    public HypernetTrainingStatus? ReadStatus()
    {
        var statusPath = Under(StatusFile);
        return File.Exists(statusPath)
            ? JsonSerializer.Deserialize<HypernetTrainingStatus>(File.ReadAllText(statusPath), StatusJson) ?? throw new InvalidDataException($"{statusPath} is empty.")
            : null;
    }

    public void WriteStatus(HypernetTrainingStatus status) =>
        ShardFolder.WriteAtomically(Under(StatusFile), JsonSerializer.SerializeToUtf8Bytes(status, StatusJson));

    public void WriteLearningCurves(IReadOnlyList<TrainingLogEntry> log, string title) =>
        HypernetPlots.WriteLearningCurves(Under(LearningCurvesFile), log, title);

    /// <summary>
    /// Publishes <paramref name="model"/> as the version of <paramref name="step"/>: a plot per swept class, the
    /// alignment report, and the weights with the step, score and alignments in their metadata; <c>models/best.json</c>
    /// then names it when its score beats the best so far (or the best so far has none).
    /// </summary>
    public string PublishVersion(int step, HypernetModel model, AlignmentReport report, string title)
    {
        var version = VersionName(step);
        var versionFolder = VersionFolder(version);
        Directory.CreateDirectory(versionFolder);
        var alignment = report.AlignmentByClass();
        var pearson = report.PearsonByClass();
        foreach (var c in report.Classes)
        {
            HypernetPlots.WriteAlignment(System.IO.Path.Combine(versionFolder, $"alignment-{c.Key}.png"), c, title);
        }

        ShardFolder.WriteAtomically(System.IO.Path.Combine(versionFolder, AlignmentFile), JsonSerializer.SerializeToUtf8Bytes(report, Indented));
        model.Save(System.IO.Path.Combine(versionFolder, ModelFile), new Dictionary<string, string>
        {
            ["step"] = step.ToString(CultureInfo.InvariantCulture),
            ["score"] = report.Score.ToString("R", CultureInfo.InvariantCulture),
            ["alignment"] = JsonSerializer.Serialize(alignment),
            ["pearson"] = JsonSerializer.Serialize(pearson),
        });
        var best = ReadBest();
        if (best is null || report.Score > best.Value.Score || !double.IsFinite(best.Value.Score))
        {
            ShardFolder.WriteAtomically(Under(ModelsFolder, BestFile),
                JsonSerializer.SerializeToUtf8Bytes(new { version, score = report.Score, step, alignment, pearson }, Indented));
        }

        return version;
    }

    /// <summary>The published version that <c>models/best.json</c> names, if any.</summary>
    public (string Version, double Score)? ReadBest()
    {
        var bestPath = Under(ModelsFolder, BestFile);
        if (!File.Exists(bestPath))
        {
            return null;
        }

        using var json = JsonDocument.Parse(File.ReadAllText(bestPath));
        return (json.RootElement.GetProperty("version").GetString()!, json.RootElement.GetProperty("score").GetDouble());
    }

    /// <summary>The folder of a published version (<c>models/vNNNNNN</c>).</summary>
    public string VersionFolder(string version) => Under(ModelsFolder, version);

    /// <summary>Path of the model file of the best version (or the given one).</summary>
    public string ModelPath(string? version = null)
    {
        version ??= ReadBest()?.Version ?? throw new FileNotFoundException($"{Path} has no published hypernetwork yet (models/best.json not found); train it first with 'lethe train'.");
        return System.IO.Path.Combine(VersionFolder(version), ModelFile);
    }

    private static bool IsVersionFile(string name) =>
        name.StartsWith(ModelsFolder + "/v", StringComparison.Ordinal) && name.Count(c => c == '/') >= 2 && name.EndsWith(".safetensors", StringComparison.Ordinal);

    private string Under(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private sealed record StateRecord(int Step, double ElapsedSeconds, string Weights, string Optimizer);
}
