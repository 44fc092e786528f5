namespace Lethe.ML.Hypernet;

/// <summary>Token indices grouped by width, in order of first appearance, so each group is one batched matmul.</summary>
internal static class TokenGroups
{
    public static IEnumerable<(int Width, int[] Tokens)> Of(IReadOnlyList<int> widths) =>
        widths.Select((w, i) => (w, i)).GroupBy(p => p.w).Select(g => (g.Key, g.Select(p => p.i).ToArray()));
}
