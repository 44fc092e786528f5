using System.Reflection;

namespace Lethe.Testing;

/// <summary>Files of the repository the tests read or run (the root is recorded when Lethe.Testing is built).</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = typeof(RepositoryPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    /// <summary>Programs scripts/install-deps.sh installs from npm (Azurite).</summary>
    public static string NpmTools => Path.Combine(Root, ".lethe", "tools", "node_modules", ".bin");

    /// <summary>The dashboard as shipped by <c>k8s/</c> (kustomize generates its ConfigMap).</summary>
    public static string Dashboard => Path.Combine(Root, "k8s", "dashboards", "lethe-dashboard.json");

    /// <summary>The chart's copy (Helm can only read files inside the chart).</summary>
    public static string ChartDashboard => Path.Combine(Root, "helm", "lethe", "dashboards", "lethe-dashboard.json");
}
