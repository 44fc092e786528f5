using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Lethe.ML.Data;

namespace Lethe.DigitsFetch;

/// <summary>SHA-256 of labels and pixels, so two processes can show they loaded the same digits in one line.</summary>
public static class DigitsFingerprint
{
    public static string Of(LabeledImages images)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(MemoryMarshal.AsBytes(images.Labels.AsSpan()));
        hash.AppendData(MemoryMarshal.AsBytes(images.Pixels.AsSpan()));
        return $"{images.Count} {Convert.ToHexStringLower(hash.GetHashAndReset())}";
    }
}
