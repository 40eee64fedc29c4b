using Scat.Backends;
using Scat.Cli;
using Scat.Input;
using Scat.Input.Decoding;
using Scat.Pipeline;
using Scat.Tests.Support;
using SixLabors.ImageSharp;
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
        Assert.True(ImageDecoder.IsDecodeFailure(Caught(() => Image.Load(new byte[] { 1, 2, 3, 4 }))));
        Assert.True(ImageDecoder.IsDecodeFailure(new ImageDecodeException("truncated")));
        Assert.True(ImageDecoder.IsDecodeFailure(new IOException("read error")));
        Assert.True(ImageDecoder.IsDecodeFailure(new InvalidImageContentException("bad")));
    }

    [Fact]
    public void WhatScatsOwnCodeThrowsIsNot()
    {
        Assert.False(ImageDecoder.IsDecodeFailure(Caught(() => throw new InvalidOperationException("a bug"))));
        Assert.False(ImageDecoder.IsDecodeFailure(Caught(() => { var a = new int[1]; _ = a[..5]; })));
        Assert.False(ImageDecoder.IsDecodeFailure(new OperationCanceledException()));
        Assert.False(ImageDecoder.IsDecodeFailure(Caught(() => _ = Array.Empty<int>().First()))); // LINQ called by scat's own code
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
