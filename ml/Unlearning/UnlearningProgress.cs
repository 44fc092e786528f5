namespace Lethe.ML.Unlearning;

/// <summary>
/// How far an unlearning request got: a short stage text (<c>loading data</c>, <c>retraining the reference</c>, a
/// method's own stages such as <c>unlearning</c> or <c>sampling candidates</c>, <c>evaluating</c>) and the fraction of
/// that stage done, in [0, 1]. A stage's text stays the same while its fraction grows, so a follower can tell stages apart.
/// </summary>
public sealed record UnlearningProgress(string Stage, double Fraction);
