using Scat.Backends;
using Scat.Backends.Cpu;
using Scat.Pipeline;
using Scat.Tests.Support;
using Scat.Transform;

namespace Scat.Tests.Pipeline;

public class BatchBudgetTests
{
    [Theory]
    [InlineData(32, 3, 128)]
    [InlineData(256, 3, 128)]
    [InlineData(1024, 3, 128)]
    [InlineData(1024, 1, 64)]
    [InlineData(2048, 3, 128)]
    public void ABatchStaysWithinTheBudgetAndIsAsLargeAsItAllows(int size, int channels, int requested)
    {
        var layout = new ScatteringLayout(size, size, 2, 8, 2);
        long perImage = (long)channels * (size * size + layout.OutputPerPlane) * sizeof(float);
        int images = BatchBudget.ImagesPerBatch(layout, channels, requested);
        Assert.InRange(images, 1, requested);
        // Within the budget (one image is always allowed), and one more would not be (unless the request is met).
        Assert.True(images == 1 || images * perImage <= BatchBudget.Bytes);
        Assert.True(images == requested || (images + 1) * perImage > BatchBudget.Bytes);
    }

    // ---- the working-set estimate against what the engine, the bank and the build really allocate ----
    // BatchBudget mirrors the lane arrays (LaneSizes) and FilterBank's arrays (files it may not share code with); these
    // tests fail as soon as either allocates otherwise, so that the estimate cannot drift silently.

    [Theory]
    [InlineData(64, 64, 2)]
    [InlineData(100, 60, 3)]
    [InlineData(90, 90, 1)]
    public void TheLaneGroupEstimateIsWhatACpuLaneGroupAllocates(int height, int width, int j)
    {
        var layout = new ScatteringLayout(height, width, j, 8, 2);
        foreach (var plan in new[] { 16, 8, 4 }.Select(LanePlan.Of).OfType<LanePlan>())
        {
            // A lane group's arrays, as LaneMemory allocates them for a group's run (the orientation lanes' filters too).
            // The least of three tries: a collection during one (other tests run meanwhile) may count this thread's
            // unused allocation context (some KB) as allocated.
            long allocated = long.MaxValue;
            for (int attempt = 0; attempt < 3; attempt++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                var buffers = new LaneBuffers(LaneSizes.Of(layout, plan.Lanes));
                _ = buffers.LaneFilter;
                allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
                GC.KeepAlive(buffers);
            }
            long estimate = BatchBudget.LaneGroupBytes(layout, plan.Lanes);
            // The float arrays themselves; the objects around them (headers, the slot objects) are a few hundred bytes.
            Assert.True(allocated - estimate is >= 0 and <= 4096, $"{plan}: allocated {allocated}, estimate {estimate}");
        }
    }

    [Theory]
    [InlineData(32, 32, 1, 8)]
    [InlineData(48, 40, 2, 8)]
    [InlineData(64, 64, 3, 6)]
    [InlineData(70, 50, 4, 4)]
    public void TheBankEstimateIsTheBanksFilters(int height, int width, int j, int l)
    {
        var layout = new ScatteringLayout(height, width, j, l, 2);
        Assert.Equal(FilterBank.For(layout).Bytes, BatchBudget.BankBytes(layout));
    }

    [Fact]
    public void TheBatchEstimateIsExtractsBuffers()
    {
        var layout = new ScatteringLayout(512, 512, 2, 8, 2);
        var set = BatchBudget.Estimate(layout, 3, 64, 2, DeviceKind.Cpu, ExtractPipeline.InputBuffers, ExtractPipeline.OutputBuffers);
        int images = BatchBudget.ImagesPerBatch(layout, 3, 64);
        Assert.Equal(images, set.Images);
        // The pipeline's pools: 3 input batches of planes, 2 output batches of maps (and pooled values).
        long expected = 4L * (3L * images * 3 * 512 * 512 + 2L * (images * 3L * layout.OutputPerPlane + images * 3L * layout.K));
        Assert.Equal(expected, set.Batches);
    }

    // ---- the bound ----

    [Fact]
    public void TheBoundIsSixteenGiBOrTheMemoryThereIs()
    {
        Assert.Equal(16L << 30, BatchBudget.MaxBound);
        Assert.Equal(16L << 30, BatchBudget.BoundFor(64L << 30));
        Assert.Equal(8L << 30, BatchBudget.BoundFor(8L << 30));
        Assert.Equal(16L << 30, BatchBudget.BoundFor(0));
        Assert.True(BatchBudget.Bound <= BatchBudget.MaxBound);
    }

    [Fact]
    public void ReadmeSize6000IsOverTheBoundAndSize1024FarWithinIt()
    {
        // README: "--size 6000" on any machine is refused (its CPU working set passes 16 GiB with one thread and one image);
        // "--size 1024" runs (peak about 2.2 GB measured on 2 cores; the estimate stays under 6 GiB even on 64 threads).
        var big = BatchBudget.Estimate(new ScatteringLayout(6000, 6000, 2, 8, 2), 3, 64, 1, DeviceKind.Cpu, ExtractPipeline.InputBuffers, ExtractPipeline.OutputBuffers);
        Assert.True(big.Peak > BatchBudget.MaxBound, $"{big}");
        Assert.Equal(1, big.Images);
        foreach (int threads in new[] { 2, 16, 64 })
        {
            var usual = BatchBudget.Estimate(new ScatteringLayout(1024, 1024, 2, 8, 2), 3, 64, threads, DeviceKind.Cpu, ExtractPipeline.InputBuffers, ExtractPipeline.OutputBuffers);
            Assert.True(usual.Peak < 6L << 30, $"{threads} threads: {usual}");
        }
        Assert.Null(BatchBudget.Problem("--size 1024x1024", "a smaller --size", 1024, 1024, 2, 8, 2, 3, 64, 2, DeviceKind.Cpu, 3, 2));
    }

    [Fact]
    public void AProblemSaysTheEstimateItsPartsAndTheWaysOut()
    {
        var message = BatchBudget.Problem("--size 6000x6000", "a smaller --size", 6000, 6000, 2, 8, 2, 3, 64, 2, DeviceKind.Cpu, 3, 2);
        Assert.NotNull(message);
        Assert.Matches(@"^--size 6000x6000 needs about \d+\.\d GiB to transform \(filter bank \d+\.\d GiB, its build \d+\.\d GiB, CPU lane buffers \d+\.\d GiB, batch buffers \d+\.\d GiB\), more than the memory bound of \d+\.\d GiB: use a smaller --size$", message);
        // Where the batch or the threads make it larger, the message names them too.
        var many = BatchBudget.Problem("x", "--size", 2000, 2000, 2, 8, 2, 3, 64, 64, DeviceKind.Cpu, 3, 2 * 1000);
        Assert.NotNull(many);
        Assert.Contains(": use --size, a --batch-size below ", many);
        Assert.Contains(" or fewer than ", many);
        // Sides whose layout would overflow are refused outright.
        Assert.StartsWith("--size 2147483647x4 is far too large to transform: a side over 16777216 pixels", BatchBudget.Problem("--size 2147483647x4", "a smaller --size", int.MaxValue, 4, 2, 8, 2, 3, 64, 2, DeviceKind.Cpu, 3, 2));
    }
}

/// <summary>
/// The bank's build runs on several threads, so its allocations are measured for the whole process
/// (<see cref="GC.GetTotalAllocatedBytes"/>): alone, in a collection that no other test runs beside (inside the suite,
/// the other tests' allocations made it fail).
/// </summary>
[Collection(nameof(AloneCollection))]
public class BankBuildEstimateTests
{
    [Fact]
    public void TheBuildEstimateBoundsTheTemporariesOfEachFilter()
    {
        // The bank's build allocates, per filter, temporaries that BuildBytesPerPixel bounds (the estimate counts that
        // many per filter built at once): all that a build allocates beyond the bank itself, shared among its J·L + 1
        // filters, stays within it.
        var layout = new ScatteringLayout(64, 80, 3, 8, 2);
        int m = layout.PaddedHeight, n = layout.PaddedWidth;
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var bank = new FilterBank(m, n, layout.J, layout.L);
        long temporaries = GC.GetTotalAllocatedBytes(precise: true) - before - bank.Bytes;
        long perFilter = temporaries / (layout.J * layout.L + 1);
        Assert.InRange(perFilter, 0, (long)BatchBudget.BuildBytesPerPixel * m * n);
    }
}
