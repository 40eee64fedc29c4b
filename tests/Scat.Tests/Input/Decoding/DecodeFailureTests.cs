using Scat.Backends;
using Scat.Cli;
using Scat.Input;
using Scat.Input.Decoding;
using Scat.Pipeline;
using Scat.Tests.Support;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace Scat.Tests.Input.Decoding;

/// <summary>A bad file is skipped; a bug in scat is not passed off as one (it surfaces as an internal error, exit 70).</summary>
public class DecodeFailureTests
{
    private static Exception Caught(Action action)
    {
        try { action(); }
        catch (Exception e) { return e; }
        throw new InvalidOperationException("nothing thrown");
    }

    [Fact]
    public void WhatABadFileThrowsIsADecodeFailure()
    {
        Assert.True(DecodeFailure.IsDecodeFailure(Caught(() => Image.Load(new byte[] { 1, 2, 3, 4 }))));
        Assert.True(DecodeFailure.IsDecodeFailure(new ImageDecodeException("truncated")));
        Assert.True(DecodeFailure.IsDecodeFailure(new IOException("read error")));
        Assert.True(DecodeFailure.IsDecodeFailure(new InvalidImageContentException("bad")));
    }

    [Fact]
    public void WhatScatsOwnCodeThrowsIsNot()
    {
        Assert.False(DecodeFailure.IsDecodeFailure(Caught(() => throw new InvalidOperationException("a bug"))));
        Assert.False(DecodeFailure.IsDecodeFailure(Caught(() => { var a = new int[1]; _ = a[..5]; })));
        Assert.False(DecodeFailure.IsDecodeFailure(new OperationCanceledException()));
        Assert.False(DecodeFailure.IsDecodeFailure(Caught(() => _ = Array.Empty<int>().First()))); // LINQ called by scat's own code
    }

    /// <summary>A PNG decoder written outside ImageSharp and plugged into the decoder's configuration, failing as a
    /// library does on a malformed file (an <see cref="InvalidOperationException"/> from deep inside the call), in the
    /// header or in the decode.</summary>
    private sealed class FailingPngDecoder(bool inHeader) : IImageDecoder, IImageInfoDetector
    {
        private static Exception Failure() => new InvalidOperationException("Sequence contains no elements");

        public Image<TPixel> Decode<TPixel>(Configuration configuration, Stream stream, CancellationToken cancellationToken)
            where TPixel : unmanaged, IPixel<TPixel> => throw Failure();

        public Image Decode(Configuration configuration, Stream stream, CancellationToken cancellationToken) => throw Failure();

        public IImageInfo Identify(Configuration configuration, Stream stream, CancellationToken cancellationToken) =>
            inHeader ? throw Failure() : new PngDecoder().Identify(configuration, stream, cancellationToken);
    }

    /// <summary>What fails inside a call into the image library is the file's fault, whichever code threw it: the
    /// classification is made at the call's boundary (the stack walk it replaced asked which assembly threw, and
    /// let this exception through as a bug).</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void WhateverFailsInsideTheImageLibraryIsADecodeFailure(bool inHeader)
    {
        using var dir = new TempDir();
        var png = Fixtures.Png(dir["a.png"], 8, 8);
        var decoder = new ImageDecoder(ColorMode.Rgb, new ResizeSpec(4, 4, FitMode.Crop));
        decoder.Configuration.ImageFormatsManager.SetDecoder(PngFormat.Instance, new FailingPngDecoder(inHeader));
        var e = Assert.Throws<ImageDecodeException>(() => decoder.Decode(png).Dispose());
        Assert.Equal("InvalidOperationException: Sequence contains no elements", e.Message);
        if (inHeader) Assert.Throws<ImageDecodeException>(() => decoder.Identify(png));
    }

    /// <summary>A source whose opening has a bug (not an <see cref="ImageDecodeException"/>) for one file.</summary>
    private sealed class BuggyOpen(string folder) : IImageSource
    {
        public ImageListing List() => ImageListing.Build([folder]);
        public DecodedImage Open(ImageItem item, ImageDecoder decoder, CancellationToken cancellationToken) =>
            item.Path == "b.png" ? throw new NullReferenceException("a bug in scat") : decoder.Decode(item.FullPath, cancellationToken);
        public (int Height, int Width) Identify(ImageItem item, ImageDecoder decoder) => decoder.Identify(item.FullPath);
    }

    [Fact]
    public void ABugWhileOpeningEndsTheRunInsteadOfSkippingTheFile()
    {
        using var dir = new TempDir();
        foreach (var name in new[] { "a.png", "b.png", "c.png" }) Fixtures.Png(dir[$"in/{name}"], 8, 8);
        var options = new ExtractOptions { Inputs = [dir["in"]], Output = dir["f.npy"], J = 1, L = 2, Device = new DeviceSpec(DeviceKind.Cpu, 0) };
        var err = new StringWriter();
        var e = Assert.Throws<NullReferenceException>(() => new ExtractPipeline(options) { Source = new BuggyOpen(dir["in"]) }.Run(err));
        Assert.Equal("a bug in scat", e.Message);
        Assert.DoesNotContain("skipped", err.ToString());
        Assert.False(File.Exists(dir["f.npy"]));
    }
}
