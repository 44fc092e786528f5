namespace Lethe.Silo.Hosting;

public enum SiloProfile
{
    /// <summary>One machine: localhost clustering, in-memory grain storage and reminders, artifacts in a folder.</summary>
    Local,

    /// <summary>Many silos: Redis clustering, grain storage and reminders; Azure Blob artifacts.</summary>
    Cluster,
}
