using Scat.Transform;

namespace Scat.Pipeline;

/// <summary>Pooling (--pool mean|max): each H' × W' map of the features becomes one value.</summary>
internal sealed class PoolStage(PoolMode mode, int mapSize)
{
    public void Process(Batch batch, CancellationToken cancellationToken)
    {
        if (mode == PoolMode.None || batch.Kept == 0) return;
        var maps = batch.Features.Span;
        var pooled = batch.Output!.Pooled.AsMemory(0, maps.Length / mapSize);
        Pooling.Pool(mode, maps, mapSize, pooled.Span);
        batch.Features = pooled;
    }
}
