// One test class at a time: a full-suite run once failed inside TorchSharp's AdamW.step with a corrupted native Scalar
// ("Expected false to be true" in c10::Scalar::toDouble) while other classes created and finalised torch objects on
// other threads; never reproduced alone. Sequential classes cost ~2 s here.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
