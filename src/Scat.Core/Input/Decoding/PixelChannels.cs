using SixLabors.ImageSharp.PixelFormats;

namespace Scat.Input.Decoding;

/// <summary>
/// How one pixel type gives its colour channels and at which full scale: a struct operator, so that the planar
/// copy of <see cref="DecodedImage{TPixel, TChannels}"/> is compiled once per pixel type with the read inlined (no
/// delegate call per pixel), as the CPU backend's <c>ISimdKernel</c> and ImageSharp's pixel operations are.
/// </summary>
internal interface IPixelChannels<TPixel> where TPixel : unmanaged
{
    /// <summary>The value of a full channel: 255 or 65535.</summary>
    static abstract double Scale { get; }
    static abstract int R(in TPixel p);
    static abstract int G(in TPixel p);
    static abstract int B(in TPixel p);
}

/// <summary>8-bit images (everything ImageSharp decodes that is not 16-bit), alpha dropped.</summary>
internal readonly struct Rgba32Channels : IPixelChannels<Rgba32>
{
    public static double Scale => 255.0;
    public static int R(in Rgba32 p) => p.R;
    public static int G(in Rgba32 p) => p.G;
    public static int B(in Rgba32 p) => p.B;
}

/// <summary>16-bit images at full depth, alpha dropped.</summary>
internal readonly struct Rgba64Channels : IPixelChannels<Rgba64>
{
    public static double Scale => 65535.0;
    public static int R(in Rgba64 p) => p.R;
    public static int G(in Rgba64 p) => p.G;
    public static int B(in Rgba64 p) => p.B;
}
