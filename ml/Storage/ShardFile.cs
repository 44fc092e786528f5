namespace Lethe.ML.Storage;

/// <summary>
/// A checkpoint shard as a safetensors file: <c>params [N,P]</c>, <c>class_loss [N,m]</c>, <c>class_acc [N,m]</c> (F32)
/// and <c>run</c>, <c>step</c>, <c>epoch</c> [N] (I32); layout, preset, dataset and seeds go in <c>__metadata__</c>.
/// </summary>
public static class ShardFile
{
    public static byte[] Serialize(CheckpointBatch batch, IReadOnlyDictionary<string, string> metadata)
    {
        batch.Validated();
        return SafetensorsFile.Write(
        [
            SafetensorsTensor.Of("params", batch.Params, batch.Count, batch.ParameterCount),
            SafetensorsTensor.Of("class_loss", batch.ClassLoss, batch.Count, batch.ClassCount),
            SafetensorsTensor.Of("class_acc", batch.ClassAcc, batch.Count, batch.ClassCount),
            SafetensorsTensor.Of("run", batch.Run, batch.Count),
            SafetensorsTensor.Of("step", batch.Step, batch.Count),
            SafetensorsTensor.Of("epoch", batch.Epoch, batch.Count),
        ], metadata);
    }

    public static (CheckpointBatch Batch, IReadOnlyDictionary<string, string> Metadata) Deserialize(byte[] bytes, string source = "shard")
    {
        var (tensors, metadata) = SafetensorsFile.Read(bytes, source);
        SafetensorsTensor Get(string name) =>
            tensors.TryGetValue(name, out var t) ? t : throw new InvalidDataException($"{source} has no '{name}' tensor; it is not a checkpoint shard.");

        var parameters = Get("params");
        var loss = Get("class_loss");
        if (parameters.Shape.Length != 2 || loss.Shape.Length != 2)
        {
            throw new InvalidDataException($"{source}: params and class_loss must be 2-D.");
        }

        var batch = new CheckpointBatch(
            (int)parameters.Shape[0], (int)parameters.Shape[1], (int)loss.Shape[1],
            parameters.AsFloats(), loss.AsFloats(), Get("class_acc").AsFloats(),
            Get("run").AsInts(), Get("step").AsInts(), Get("epoch").AsInts());
        return (batch.Validated(), metadata);
    }
}
