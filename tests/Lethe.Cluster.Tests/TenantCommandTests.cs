using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lethe.ML.Data;
using Lethe.ML.Nets;
using Lethe.Silo.Api;

namespace Lethe.Cluster.Tests;

/// <summary>
/// Tenants as an operator manages them against a silo process: <c>lethe tenant add</c> prints a key that works on the
/// API at once, rotate and revoke make old keys 401, the tenants file seeds a tenant and never brings back a key
/// revoked in the grains (not even when the file changes), and deleting a tenant deletes its requests' artifacts.
/// </summary>
[Trait("Category", "Slow")]
public sealed class TenantCommandTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Tenants_are_added_rotated_revoked_seeded_and_deleted_through_the_grains()
    {
        var work = Directory.CreateTempSubdirectory("lethe-tenants-");
        var home = Path.Combine(work.FullName, "home");
        var tenantsFile = Path.Combine(work.FullName, "tenants.json");
        var seededSecret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        await File.WriteAllTextAsync(tenantsFile, TenantsJson(("seeded", [Sha256(seededSecret)])));
        await using var silo = SiloProcess.Local("tenant-silo", new Dictionary<string, string>
        {
            ["Lethe__Accelerator"] = "cpu", ["Lethe__Home"] = home, ["Lethe__Tenants__Path"] = tenantsFile,
        });
        try
        {
            silo.Start();
            await silo.WaitUntilReady(TimeSpan.FromSeconds(60));
            using var http = new HttpClient { BaseAddress = new Uri(silo.BaseAddress) };

            // Seeded from the file at start.
            await Poll.Until(async () => await Status(http, $"seeded.{seededSecret}") == HttpStatusCode.OK, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250), () => "the tenants file was not seeded");

            // add: the key is the only line on stdout and works at once; the quota options apply.
            var added = Lethe(home, "tenant", "add", "acme", "--max-concurrent", "3", "--max-per-day", "7");
            var key = added.Output.Trim();
            Assert.Matches("^acme\\.[0-9a-f]{48}$", key);
            Assert.Equal(HttpStatusCode.OK, await Status(http, key));
            var upload = new HttpRequestMessage(HttpMethod.Post, "/v1/requests?forget=2&method=finetune")
            {
                Headers = { { UnlearningApi.ApiKeyHeader, key } },
                Content = new ByteArrayContent(Model()) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } },
            };
            using (var accepted = await http.SendAsync(upload))
            {
                Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            }

            var list = Lethe(home, "tenant", "list").Output;
            Assert.Contains("acme", list);
            Assert.Contains("seeded", list);

            // rotate: the old key is 401, the new one works; revoke: every key is 401.
            var rotated = Lethe(home, "tenant", "rotate", "acme").Output.Trim();
            Assert.Equal(HttpStatusCode.Unauthorized, await Status(http, key));
            Assert.Equal(HttpStatusCode.OK, await Status(http, rotated));
            Lethe(home, "tenant", "revoke", "acme");
            Assert.Equal(HttpStatusCode.Unauthorized, await Status(http, rotated));

            // A key revoked in the grains stays revoked when the file changes (and still lists it).
            Lethe(home, "tenant", "revoke", "seeded");
            var otherSecret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
            await File.WriteAllTextAsync(tenantsFile, TenantsJson(("seeded", [Sha256(seededSecret), Sha256(otherSecret)])));
            await Poll.Until(async () => await Status(http, $"seeded.{otherSecret}") == HttpStatusCode.OK, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250), () => "the changed tenants file was not seeded");
            Assert.Equal(HttpStatusCode.Unauthorized, await Status(http, $"seeded.{seededSecret}"));

            // delete: the tenant's requests and their artifacts are gone; unknown tenants are a clear error.
            Assert.NotEmpty(Directory.EnumerateDirectories(Path.Combine(silo.ArtifactsPath, "unlearning"), "acme.*"));
            Assert.Contains("deleted with 1 requests", Lethe(home, "tenant", "delete", "acme").Output);
            Assert.DoesNotContain(Directory.EnumerateDirectories(Path.Combine(silo.ArtifactsPath, "unlearning"), "acme.*"), d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories).Any());
            Assert.DoesNotContain("acme", Lethe(home, "tenant", "list").Output);
            var unknown = LetheProcess.RunIn(home, "tenant", "rotate", "nobody");
            Assert.Equal(2, unknown.ExitCode);
            Assert.Contains("No tenant 'nobody'", unknown.Error);
            var badName = LetheProcess.RunIn(home, "tenant", "add", "a.b");
            Assert.Equal(2, badName.ExitCode);
            Assert.Contains("'a.b'", badName.Error);
        }
        catch
        {
            output.WriteLine(silo.Tail());
            throw;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private (string Output, string Error) Lethe(string home, params string[] args)
    {
        var (code, stdout, stderr) = LetheProcess.RunIn(home, args);
        Assert.True(code == 0, $"lethe {string.Join(' ', args)} exited {code}: {stdout} {stderr}");
        output.WriteLine($"lethe {string.Join(' ', args)}: {stdout}");
        return (stdout, stderr);
    }

    private static async Task<HttpStatusCode> Status(HttpClient http, string key)
    {
        using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/requests") { Headers = { { UnlearningApi.ApiKeyHeader, key } } });
        return response.StatusCode;
    }

    private static string Sha256(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string TenantsJson(params (string Name, string[] Hashes)[] tenants) =>
        JsonSerializer.Serialize(new { tenants = tenants.Select(t => new { name = t.Name, keySha256 = t.Hashes, maxConcurrent = 2, maxPerDay = 10 }) });

    private static byte[] Model()
    {
        var layout = ParameterLayout.For(TaskPreset.Mnist4.Architecture);
        return MlpFile.Serialize(layout, layout.InitialParameters(5));
    }
}
