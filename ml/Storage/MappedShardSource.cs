using System.IO.MemoryMappedFiles;

namespace Lethe.ML.Storage;

/// <summary>
/// An <see cref="ICheckpointSource"/> over shard files on local disk, memory-mapped read-only: a minibatch's rows are
/// copied straight out of the mapped <c>params</c> tensors, so parameters live in the page cache (file-backed,
/// reclaimable), never in managed memory. Opening verifies each file's SHA-256 and indexes its small columns, one shard
/// at a time. Shards are immutable once sealed, so a mapping never sees a file change.
/// </summary>
public sealed unsafe class MappedShardSource : ICheckpointSource
{
    private readonly MemoryMappedFile[] _files;
    private readonly MemoryMappedViewAccessor[] _views;
    private readonly nint[] _pointers;
    private readonly ShardRowIndex _index;
    private long _rowsRead;
    private bool _disposed;

    private MappedShardSource((MemoryMappedFile File, long Length)[] files, MemoryMappedViewAccessor[] views, nint[] pointers, ShardRowIndex index, CheckpointBatch columns,
        IReadOnlyList<IReadOnlyDictionary<string, string>> metadata)
    {
        ShardMetadata = metadata;
        Bytes = files.Sum(f => f.Length);
        _files = files.Select(f => f.File).ToArray();
        _views = views;
        _pointers = pointers;
        _index = index;
        Columns = columns;
    }

    public string Kind => "mapped";

    public int Count => _index.Count;

    public int ParameterCount => _index.ParameterCount;

    public int ClassCount => Columns.ClassCount;

    public CheckpointBatch Columns { get; }

    public long RowsRead => Interlocked.Read(ref _rowsRead);

    /// <summary>Each shard's safetensors metadata (its collection spec among them), in shard order.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> ShardMetadata { get; }

    public int ShardCount => _index.ShardCount;

    /// <summary>Bytes of the mapped shard files.</summary>
    public long Bytes { get; }

    /// <summary>Every shard of a local folder written by <c>lethe collect --out</c>, in manifest order, each verified against the manifest.</summary>
    public static MappedShardSource Open(ShardFolder folder) =>
        Open(folder.Manifest.Shards.Select(s => (Path.Combine(folder.Path, s.Name), (Func<byte[]>)(() => folder.ReadVerified(s)))).ToList());

    /// <summary>Maps the given shard files in order, each checked against its SHA-256. All shards must share P and the class count.</summary>
    public static MappedShardSource Open(IReadOnlyList<(string Path, string Sha256)> shards) =>
        Open(shards.Select(s => (s.Path, (Func<byte[]>)(() => ShardFolder.ReadVerified(s.Path, s.Sha256, "listed for the dataset", "delete it so it is fetched or collected again")))).ToList());

    private static MappedShardSource Open(IReadOnlyList<(string Path, Func<byte[]> ReadVerified)> shards)
    {
        if (shards.Count == 0)
        {
            throw new InvalidDataException("A checkpoint source needs at least one shard.");
        }

        var files = new List<(MemoryMappedFile File, long Length)>();
        var views = new List<MemoryMappedViewAccessor>();
        var pointers = new List<nint>();
        try
        {
            var columns = new List<CheckpointBatch>();
            var metadata = new List<IReadOnlyDictionary<string, string>>();
            var layout = new List<(int Rows, long ParamsOffset)>();
            foreach (var (path, readVerified) in shards)
            {
                var bytes = readVerified();
                var (batch, shardMetadata) = ShardFile.Deserialize(bytes, path);
                metadata.Add(shardMetadata);
                if (columns.Count > 0 && (batch.ParameterCount != columns[0].ParameterCount || batch.ClassCount != columns[0].ClassCount))
                {
                    throw new InvalidDataException($"Shard {path} has {batch.ParameterCount} parameters and {batch.ClassCount} classes; the first shard has {columns[0].ParameterCount} and {columns[0].ClassCount}.");
                }

                layout.Add((batch.Count, SafetensorsFile.FileOffsetOf(bytes, "params")));
                columns.Add(batch with { Params = [] });
                var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
                files.Add((file, bytes.LongLength));
                var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
                byte* pointer = null;
                try
                {
                    view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
                }
                catch
                {
                    view.Dispose();
                    throw;
                }

                views.Add(view);
                pointers.Add((nint)(pointer + view.PointerOffset));
            }

            var parameterCount = columns[0].ParameterCount;
            var all = CheckpointBatch.Concat(columns.Select(c => c with { ParameterCount = 0 }).ToList());
            return new MappedShardSource([.. files], [.. views], [.. pointers], new ShardRowIndex(layout, parameterCount), all, metadata);
        }
        catch
        {
            Release(views, files.Select(f => f.File));
            throw;
        }
    }

    public void ReadRows(ReadOnlySpan<int> rows, Span<float> destination)
    {
        var p = ParameterCount;
        for (var i = 0; i < rows.Length; i++)
        {
            var (shard, offset) = _index.Locate(rows[i]);
            new ReadOnlySpan<float>((byte*)_pointers[shard] + offset, p).CopyTo(destination.Slice(i * p, p));
        }

        Interlocked.Add(ref _rowsRead, rows.Length);
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            Release(_views, _files);
        }
    }

    private static void Release(IEnumerable<MemoryMappedViewAccessor> views, IEnumerable<MemoryMappedFile> files)
    {
        foreach (var view in views)
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
            view.Dispose();
        }

        foreach (var file in files)
        {
            file.Dispose();
        }
    }
}
