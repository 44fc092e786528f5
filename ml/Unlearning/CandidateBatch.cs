namespace Lethe.ML.Unlearning;

/// <summary>
/// One batch of a <see cref="CandidatePlan"/>: rows <paramref name="FirstRow"/> to <paramref name="FirstRow"/> +
/// <paramref name="Rows"/> − 1 of the request's candidates, sampled in one pass at guidance scale
/// <paramref name="Guidance"/> from the noise of <paramref name="Seed"/>. Everything that fixes its rows is here, so any
/// silo holding the same hypernetwork samples the same rows for it.
/// </summary>
public sealed record CandidateBatch(int Index, int FirstRow, int Rows, double Guidance, long Seed);
