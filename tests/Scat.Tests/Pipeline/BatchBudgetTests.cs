using Scat.Pipeline;
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
}
