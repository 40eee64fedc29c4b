using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Scat.Formats;

namespace Scat.Output;

/// <summary>
/// The element type features are stored in (<c>--dtype</c>, issue 14). The transform always computes float32;
/// <see cref="Float16"/> rounds each value to the nearest IEEE half (ties to even, as numpy's
/// <c>astype(np.float16)</c>) when it is written.
/// </summary>
public enum FeatureDType { Float32, Float16 }

public static class FeatureDTypes
{
    public static string Name(FeatureDType t) => t == FeatureDType.Float16 ? "float16" : "float32";

    /// <summary>Bytes per stored value: 4 or 2.</summary>
    public static int Size(FeatureDType t) => t == FeatureDType.Float16 ? 2 : 4;

    /// <summary>Parses --dtype (float32, float16).</summary>
    public static bool TryParse(string text, out FeatureDType dtype)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "float32": dtype = FeatureDType.Float32; return true;
            case "float16": dtype = FeatureDType.Float16; return true;
            default: dtype = default; return false;
        }
    }

    /// <summary>The NPY descr: &lt;f4 or &lt;f2.</summary>
    internal static string NpyDescr(FeatureDType t) => t == FeatureDType.Float16 ? "<f2" : NpyFormat.Float32;

    /// <summary>Writes values in the dtype, little-endian: float32 as they are, float16 rounded to nearest even.</summary>
    internal static void Write(Stream stream, ReadOnlySpan<float> values, FeatureDType t)
    {
        if (t == FeatureDType.Float32) { NpyFormat.WriteFloats(stream, values); return; }
        const int Chunk = 1 << 15;
        var buffer = ArrayPool<ushort>.Shared.Rent(Math.Min(Chunk, Math.Max(1, values.Length)));
        try
        {
            while (!values.IsEmpty)
            {
                int n = Math.Min(values.Length, Chunk);
                ToHalfBits(values[..n], buffer.AsSpan(0, n));
                stream.Write(MemoryMarshal.AsBytes(buffer.AsSpan(0, n)));
                values = values[n..];
            }
        }
        finally
        {
            ArrayPool<ushort>.Shared.Return(buffer);
        }
    }

    /// <summary>System.Half's conversion from float is IEEE 754 round-to-nearest-even (checked against numpy in the tests).</summary>
    internal static void ToHalfBits(ReadOnlySpan<float> values, Span<ushort> bits)
    {
        for (int i = 0; i < values.Length; i++)
        {
            ushort b = BitConverter.HalfToUInt16Bits((Half)values[i]);
            bits[i] = BitConverter.IsLittleEndian ? b : BinaryPrimitives.ReverseEndianness(b);
        }
    }
}
