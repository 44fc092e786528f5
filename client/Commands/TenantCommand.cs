using System.CommandLine;
using System.Text.RegularExpressions;
using Lethe.Client.Cluster;
using Lethe.Contracts.Unlearning;
using Spectre.Console;

namespace Lethe.Client.Commands;

/// <summary>
/// <c>lethe tenant add|list|rotate|revoke|quota|delete</c>: tenants of the <c>/v1</c> API as an operator manages them,
/// through the tenant grains (the Local platform or <c>--cluster</c>). A new key is printed once, on standard output
/// alone; the grains keep only its SHA-256.
/// </summary>
public static partial class TenantCommand
{
    public static Command Create()
    {
        var command = new Command("tenant", "Manage the tenants of the unlearning API: keys (printed once, stored as SHA-256), quotas, deletion.");
        var maxConcurrent = new Option<int?>("--max-concurrent") { Description = "Requests the tenant may run at once." };
        var maxPerDay = new Option<int?>("--max-per-day") { Description = "Requests the tenant may submit per UTC day." };

        var add = new Command("add", "Create a tenant (or add a key to one) and print its new API key once.") { Name(), maxConcurrent, maxPerDay, CollectCommand.Cluster };
        add.SetAction((result, ct) => OnTenant(result, ct, async (tenant, name) =>
        {
            if (result.GetValue(maxConcurrent) is not null || result.GetValue(maxPerDay) is not null)
            {
                var current = (await tenant.Describe()).Quota;
                await tenant.SetQuota(new TenantQuota(result.GetValue(maxConcurrent) ?? current.MaxConcurrent, result.GetValue(maxPerDay) ?? current.MaxPerDay));
            }

            PrintKey(await tenant.IssueKey(), name);
        }, mustExist: false));

        var rotate = new Command("rotate", "Revoke every key of a tenant and print a new one once.") { Name(), CollectCommand.Cluster };
        rotate.SetAction((result, ct) => OnTenant(result, ct, async (tenant, name) =>
        {
            PrintKey(await tenant.RotateKey(), name);
        }));

        var revoke = new Command("revoke", "Revoke every key of a tenant (the tenants file cannot bring them back).") { Name(), CollectCommand.Cluster };
        revoke.SetAction((result, ct) => OnTenant(result, ct, async (tenant, name) =>
        {
            AnsiConsole.MarkupLine($"tenant {Markup.Escape(name)}: {await tenant.RevokeKeys()} keys revoked");
        }));

        var quota = new Command("quota", "Set a tenant's quota.") { Name(), maxConcurrent, maxPerDay, CollectCommand.Cluster };
        quota.SetAction((result, ct) => OnTenant(result, ct, async (tenant, name) =>
        {
            var current = (await tenant.Describe()).Quota;
            var next = new TenantQuota(result.GetValue(maxConcurrent) ?? current.MaxConcurrent, result.GetValue(maxPerDay) ?? current.MaxPerDay);
            await tenant.SetQuota(next);
            AnsiConsole.MarkupLine($"tenant {Markup.Escape(name)}: {next.MaxConcurrent} at once, {next.MaxPerDay} a day");
        }));

        var delete = new Command("delete", "Delete a tenant: every request's uploaded model, results and report, its keys and quota.") { Name(), CollectCommand.Cluster };
        delete.SetAction((result, ct) => OnTenant(result, ct, async (tenant, name) =>
        {
            AnsiConsole.MarkupLine($"tenant {Markup.Escape(name)} deleted with {await tenant.DeleteTenant()} requests");
        }));

        var list = new Command("list", "List the tenants: keys, quota, use.") { CollectCommand.Cluster };
        list.SetAction((result, ct) => CliAction.Run(async () =>
        {
            await using var connection = await LetheConnection.Open(result.GetValue(CollectCommand.Cluster), null, ct);
            var table = new Table().AddColumns("tenant", "keys", "revoked", "at once", "per day", "running", "today", "requests");
            foreach (var name in await connection.Client.GetGrain<ITenantDirectoryGrain>(ITenantDirectoryGrain.Key).List())
            {
                var t = await connection.Client.GetGrain<ITenantGrain>(name).Describe();
                table.AddRow(Markup.Escape(t.Name), $"{t.Keys}", $"{t.RevokedKeys}", $"{t.Quota.MaxConcurrent}", $"{t.Quota.MaxPerDay}", $"{t.Running}", $"{t.AdmittedToday}", $"{t.Requests}");
            }

            AnsiConsole.Write(table);
            return 0;
        }));

        foreach (var sub in new[] { add, list, rotate, revoke, quota, delete })
        {
            command.Subcommands.Add(sub);
        }

        return command;
    }

    private static Argument<string> Name() => new("name") { Description = "Tenant name: 1-64 letters, digits, '-' or '_'." };

    private static Task<int> OnTenant(ParseResult result, CancellationToken ct, Func<ITenantGrain, string, Task> action, bool mustExist = true) => CliAction.Run(async () =>
    {
        var name = result.GetValue<string>("name")!;
        if (!TenantName().IsMatch(name))
        {
            throw new ArgumentException($"Tenant name '{name}' is not accepted; use 1-64 letters, digits, '-' or '_'.");
        }

        if (result.GetValue<int?>("--max-concurrent") is < 0 || result.GetValue<int?>("--max-per-day") is < 0)
        {
            throw new ArgumentException("--max-concurrent and --max-per-day take 0 or more.");
        }

        await using var connection = await LetheConnection.Open(result.GetValue(CollectCommand.Cluster), null, ct);
        if (mustExist && !(await connection.Client.GetGrain<ITenantDirectoryGrain>(ITenantDirectoryGrain.Key).List()).Contains(name))
        {
            throw new KeyNotFoundException($"No tenant '{name}' on {connection.Where}; 'lethe tenant list' lists them, 'lethe tenant add {name}' creates it.");
        }

        await action(connection.Client.GetGrain<ITenantGrain>(name), name);
        return 0;
    });

    /// <summary>The key alone on standard output (scripts capture it); the note goes to standard error.</summary>
    private static void PrintKey(string key, string name)
    {
        Console.Out.WriteLine(key);
        Console.Error.WriteLine($"API key of tenant {name}: shown once, only its SHA-256 is kept. Send it as X-Api-Key.");
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex TenantName();
}
