using System.Text.Json;

namespace Lethe.Silo.Hosting;

/// <summary>
/// The reminder table of the embedded (Local) profile: every reminder in one small JSON file, rewritten whole (temporary
/// name, then rename) on each change. Lethe registers one "resume" reminder per unfinished long-running grain, so the
/// table stays tiny; its point is that a reminder outlives the process, so the next <c>lethe</c> process resumes work
/// a killed one left unfinished.
/// </summary>
public sealed class FileReminderTable(string path) : IReminderTable
{
    private readonly Lock _gate = new();
    private Dictionary<(GrainId Grain, string Name), StoredReminder>? _rows;
    private long _version;

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            Load();
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<ReminderTableData> ReadRows(GrainId grainId) =>
        Task.FromResult(Read(row => row.Grain == grainId));

    public Task<ReminderTableData> ReadRows(uint begin, uint end)
    {
        // The ring range (begin, end] wraps around when begin >= end.
        bool InRange(uint hash) => begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;
        return Task.FromResult(Read(row => InRange(row.Grain.GetUniformHashCode())));
    }

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        lock (_gate)
        {
            return Task.FromResult(Load().TryGetValue((grainId, reminderName), out var row) ? row.ToEntry() : null);
        }
    }

    public Task<string?> UpsertRow(ReminderEntry entry)
    {
        lock (_gate)
        {
            var etag = $"{DateTime.UtcNow.Ticks:x}-{++_version}";
            Load()[(entry.GrainId, entry.ReminderName)] = new StoredReminder(entry.GrainId.ToString(), entry.ReminderName, entry.StartAt, entry.Period, etag);
            Save();
            return Task.FromResult<string?>(etag);
        }
    }

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        lock (_gate)
        {
            var rows = Load();
            if (!rows.TryGetValue((grainId, reminderName), out var row) || row.ETag != eTag)
            {
                return Task.FromResult(false);
            }

            rows.Remove((grainId, reminderName));
            Save();
            return Task.FromResult(true);
        }
    }

    public Task TestOnlyClearTable()
    {
        lock (_gate)
        {
            Load().Clear();
            Save();
        }

        return Task.CompletedTask;
    }

    private ReminderTableData Read(Func<StoredReminder, bool> predicate)
    {
        lock (_gate)
        {
            return new ReminderTableData(Load().Values.Where(predicate).Select(r => r.ToEntry()).ToList());
        }
    }

    private Dictionary<(GrainId, string), StoredReminder> Load()
    {
        if (_rows is not null)
        {
            return _rows;
        }

        var stored = File.Exists(path) ? JsonSerializer.Deserialize<List<StoredReminder>>(File.ReadAllBytes(path)) ?? [] : [];
        _rows = stored.ToDictionary(r => (r.Grain, r.Name));
        return _rows;
    }

    private void Save()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var partial = $"{path}.partial-{Guid.NewGuid():N}";
        File.WriteAllBytes(partial, JsonSerializer.SerializeToUtf8Bytes(_rows!.Values.ToList()));
        File.Move(partial, path, overwrite: true);
    }

    private sealed record StoredReminder(string GrainIdText, string Name, DateTime StartAt, TimeSpan Period, string ETag)
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public GrainId Grain => GrainId.Parse(GrainIdText);

        public ReminderEntry ToEntry() => new() { GrainId = Grain, ReminderName = Name, StartAt = StartAt, Period = Period, ETag = ETag };
    }
}
