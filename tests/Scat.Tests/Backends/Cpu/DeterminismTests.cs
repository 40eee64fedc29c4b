using Scat.Backends.Cpu;
using Scat.Tests.Support;
using Scat.Transform;

namespace Scat.Tests.Backends.Cpu;

/// <summary>A plane's coefficients do not depend on its batch, its position in it, or the thread count.</summary>
public class DeterminismTests
{
    private static float[] RandomPlanes(int count, int h, int w, int seed)
    {
        var r = new Random(seed);
        var x = new float[count * h * w];
        for (int i = 0; i < x.Length; i++) x[i] = (float)r.NextDouble();
        return x;
    }

    [Fact]
    public void ResultsDoNotDependOnBatchPositionOrThreads()
    {
        var layout = new ScatteringLayout(20, 26, 2, 6, 2);
        int planes = 37; // two full lane groups and a partial one
        var x = RandomPlanes(planes, 20, 26, 5);
        var all = new float[planes * layout.OutputPerPlane];
        new CpuEngine(layout, 1).Transform(x, planes, all);
        var threaded = new float[all.Length];
        new CpuEngine(layout, 3).Transform(x, planes, threaded);
        Assert.Equal(all, threaded);

        // Each plane alone, and the planes in reverse order, give the same bytes.
        var engine = new CpuEngine(layout, 2);
        int inSize = 20 * 26, outSize = layout.OutputPerPlane;
        var reversed = new float[x.Length];
        for (int p = 0; p < planes; p++) Array.Copy(x, p * inSize, reversed, (planes - 1 - p) * inSize, inSize);
        var rev = new float[all.Length];
        engine.Transform(reversed, planes, rev);
        for (int p = 0; p < planes; p++)
        {
            var single = new float[outSize];
            engine.Transform(x.AsSpan(p * inSize, inSize), 1, single);
            Assert.Equal(all.AsSpan(p * outSize, outSize).ToArray(), single);
            Assert.Equal(all.AsSpan(p * outSize, outSize).ToArray(), rev.AsSpan((planes - 1 - p) * outSize, outSize).ToArray());
        }
    }

    [Fact]
    public void ResultsDoNotDependOnTheLanePlanAtALargeSize()
    {
        // 256² pads to 264²: where the engine narrows its lane groups on AVX-512. Every plan this machine runs (16
        // lanes of 512 bits, 8 of 256, 4 of 128) gives the same bytes, and a plane alone the bytes it has in the batch.
        var layout = new ScatteringLayout(256, 256, 2, 4, 2);
        int planes = 9; // groups of 4 + 4 + 1, 8 + 1, 9 of 16
        var x = RandomPlanes(planes, 256, 256, 11);
        var plans = new[] { 16, 8, 4 }.Select(LanePlan.Of).OfType<LanePlan>().ToList();
        Assert.NotEmpty(plans);
        float[]? first = null;
        foreach (var plan in plans)
        {
            var result = new float[planes * layout.OutputPerPlane];
            new CpuEngine(layout, 2, plan).Transform(x, planes, result);
            if (first is null) first = result;
            else Assert.True(first.AsSpan().SequenceEqual(result), $"{plan.Lanes} lanes of {plan.Width} bits differ from {plans[0].Lanes} lanes");
        }
        int inSize = 256 * 256, outSize = layout.OutputPerPlane, p = 5;
        var single = new float[outSize];
        new CpuEngine(layout, 1).Transform(x.AsSpan(p * inSize, inSize), 1, single);
        Assert.True(first!.AsSpan(p * outSize, outSize).SequenceEqual(single), "a plane alone differs from the same plane in the batch");
    }

    [Fact]
    public void OrientationLanesGiveTheBytesOfOnePlanePerLane()
    {
        // A call with fewer planes than lanes (an image at its own size) lays each plane over S lanes, one first-order
        // orientation each: every S that divides L and fits gives the bytes of S = 1, for one and for several planes.
        var layout = new ScatteringLayout(40, 52, 3, 8, 2);
        int lanes = LanePlan.For(layout).Lanes, inSize = 40 * 52, outSize = layout.OutputPerPlane;
        var x = RandomPlanes(3, 40, 52, 17);
        foreach (int planes in new[] { 1, 2, 3 })
        {
            var plain = new float[planes * outSize];
            new CpuEngine(layout, 1) { ForcedOrientations = 1 }.Transform(x.AsSpan(0, planes * inSize), planes, plain);
            Assert.Contains(plain, v => v != 0f);
            foreach (int s in new[] { 2, 4, 8 })
            {
                if (planes * s > lanes) continue;
                var across = new float[planes * outSize];
                new CpuEngine(layout, 1) { ForcedOrientations = s }.Transform(x.AsSpan(0, planes * inSize), planes, across);
                Assert.True(plain.AsSpan().SequenceEqual(across), $"{planes} planes in {s} orientation lanes each differ from one lane each");
            }
        }
        // Left to itself, the engine fills the lanes: the most orientations that divide L and fit.
        Assert.Equal(Math.Min(8, lanes), CpuEngine.OrientationsFor(1, lanes, 8));
        Assert.Equal(lanes / 2, CpuEngine.OrientationsFor(2, lanes, 8));
        Assert.Equal(3, CpuEngine.OrientationsFor(2, 8, 6)); // 6 = 2·3: 3 orientations per plane, 6 of 8 lanes
        Assert.Equal(1, CpuEngine.OrientationsFor(lanes, lanes, 8));
    }

    [Fact]
    public unsafe void LaneGroupArraysStartOnA64ByteBoundary()
    {
        // Whatever the sizes and wherever the runtime puts them: a 512-bit load from them never crosses a cache line.
        foreach (var (h, w) in new[] { (32, 32), (45, 61), (256, 256) })
        {
            var buffers = new LaneBuffers(LaneSizes.Of(new ScatteringLayout(h, w, 2, 8, 2), 16));
            var all = buffers.Re.Concat(buffers.Im).Append(buffers.ScratchRe).Append(buffers.ScratchIm).Append(buffers.PackRe)
                .Append(buffers.PackIm).Append(buffers.LaneFilter);
            foreach (var a in all)
            {
                nint address = (nint)System.Runtime.CompilerServices.Unsafe.AsPointer(ref a.Ref);
                Assert.Equal(0, address % 64);
                Assert.True(a.Span.IndexOfAnyExcept(0f) < 0, "a new array is zeroed");
            }
        }
    }

    [Fact]
    public void LargePlanesGoInGroupsNoWiderThanSmallOnes()
    {
        var small = LanePlan.For(new ScatteringLayout(32, 32, 2, 8, 2));
        var large = LanePlan.For(new ScatteringLayout(1024, 1024, 2, 8, 2));
        Assert.Equal(LanePlan.Widest, small);
        Assert.True(large.Lanes <= small.Lanes);
        // Where the widest groups are 16 planes of 512 bits, a 1024² group holds 8 planes of 256 bits: half the memory.
        if (small.Lanes == 16) Assert.Equal(new LanePlan(8, 256), large);
        // 256² pads to 264² = 8·3·11, every butterfly unrolled: 8 lanes above 4 MiB; 224² pads to 232² = 8·29, whose
        // table-driven 29-point butterfly keeps 16 lanes up to 16 MiB.
        var p256 = new ScatteringLayout(256, 256, 2, 8, 2);
        var p224 = new ScatteringLayout(224, 224, 2, 8, 2);
        Assert.True(LanePlan.Unrolled(p256));
        Assert.False(LanePlan.Unrolled(p224));
        if (small.Lanes == 16)
        {
            Assert.Equal(new LanePlan(8, 256), LanePlan.For(p256));
            Assert.Equal(LanePlan.Widest, LanePlan.For(p224));
        }
    }

    [Theory]
    [InlineData("DOTNET_EnableAVX")]        // 128-bit vectors
    [InlineData("DOTNET_EnableHWIntrinsic")] // no hardware vectors at all
    public async Task ResultsAreTheSameOnEverySimdWidth(string switchOff)
    {
        // The real tool in a child process with wider SIMD switched off must write the same bytes.
        var folder = Support.TestData.Path("reference", "rgb32_J2", "images");
        var args = new[] { "extract", folder, "-o", "-", "--device", "cpu", "-q" };
        var run = await InProcess.ScatAsync(args);
        Assert.Equal(0, run.Exit);
        var child = ChildProcess.RunScat(args, (switchOff, "0"));
        Assert.Equal(0, child.Exit);
        Assert.True(run.Stdout.Length > 1000);
        Assert.Equal(run.Stdout, child.Stdout);
    }
}
