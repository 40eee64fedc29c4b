using Scat.Tests.Support;
using Scat.Transform;

namespace Scat.Tests.Transform;

/// <summary>README: "the filter-bank cache: at most 256 MiB of banks of other padded sizes (the oldest dropped first; a
/// bank an engine still uses stays alive)". Alone: the bound is lowered for the test and the cache is the process's.</summary>
[Collection(nameof(AloneCollection))]
public class FilterBankCacheTests
{
    [Fact]
    public void TheBankCacheKeepsToItsBoundDroppingTheOldestFirst()
    {
        var saved = FilterBank.CacheLimit;
        try
        {
            // Twelve padded sizes (a step of 4 = 2^J gives a new padded size each; J = 2, L = 3): banks of some 20-200 KB.
            // The largest first, so that three banks of any of them fit the bound it sets.
            var layouts = Enumerable.Range(0, 12).Select(i => new ScatteringLayout(25 + 4 * i, 31 + 4 * i, 2, 3, 2)).Reverse().ToArray();
            var first = FilterBank.For(layouts[0]);
            FilterBank.CacheLimit = 3 * first.Bytes;
            var banks = new List<FilterBank> { first };
            foreach (var layout in layouts.Skip(1))
            {
                banks.Add(FilterBank.For(layout));
                Assert.True(FilterBank.CachedBytes <= FilterBank.CacheLimit, $"{FilterBank.CachedBytes} bytes cached over a bound of {FilterBank.CacheLimit}");
            }
            // The newest bank is still cached (the same object), the oldest was dropped and is built again when asked.
            Assert.Same(banks[^1], FilterBank.For(layouts[^1]));
            var again = FilterBank.For(layouts[0]);
            Assert.NotSame(first, again);
            // A bank dropped from the cache but still held (as an engine holds its bank) is whole, and equal to the new one.
            Assert.Equal(first.LowPass.Length, again.LowPass.Length);
            for (int r = 0; r < first.LowPass.Length; r++) Assert.Equal(first.LowPass[r], again.LowPass[r]);
            for (int w = 0; w < first.Wavelets.Count; w++)
                for (int r = 0; r < first.Wavelets[w].Levels.Length; r++) Assert.Equal(first.Wavelets[w].Levels[r], again.Wavelets[w].Levels[r]);
        }
        finally
        {
            FilterBank.CacheLimit = saved;
        }
    }
}
