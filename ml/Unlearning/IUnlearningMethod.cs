namespace Lethe.ML.Unlearning;

/// <summary>One way to turn a trained model and a forget set into an unlearned model (unlearning-methods.md, Methods).</summary>
public interface IUnlearningMethod
{
    /// <summary>The name the CLI and the reports use, e.g. <c>neggrad+</c>.</summary>
    string Name { get; }

    /// <summary>The data the method reads.</summary>
    DataAccess Needs { get; }

    /// <summary>Every setting that determines the result besides the request (recorded in the report).</summary>
    IReadOnlyDictionary<string, object> HyperParameters { get; }

    UnlearningResult Unlearn(UnlearningRequest request, CancellationToken cancellation = default);
}
