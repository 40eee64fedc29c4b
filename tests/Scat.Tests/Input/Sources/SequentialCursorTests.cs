using Scat.Input;

namespace Scat.Tests.Input.Sources;

/// <summary>README: "64 MiB of look-ahead per open shard, table or array": the cursor's buffer is bounded by its bytes.</summary>
public class SequentialCursorTests
{
    [Fact]
    public void TheLookAheadIsBoundedAndAnItemBehindItReopensTheReader()
    {
        int opens = 0;
        IEnumerable<long> From(long first)
        {
            for (long i = first; i < 100; i++) yield return i;
        }
        // A reader that can only start at the beginning (a deflated member, a gzipped shard); items of 10 bytes, at most
        // 35 bytes kept: three items.
        using var cursor = new SequentialCursor<long>(_ => { opens++; return (0, From(0).GetEnumerator()); }, _ => 10, 35);
        Assert.Equal(9, cursor.Take(9)); // reads 0..9 forward, keeps only 6, 7 and 8
        Assert.Equal(1, opens);
        Assert.Equal(8, cursor.Take(8)); // buffered
        Assert.Equal(7, cursor.Take(7));
        Assert.Equal(1, opens);
        Assert.Equal(2, cursor.Take(2)); // evicted: the reader starts again
        Assert.Equal(2, opens);
        Assert.Equal(50, cursor.Take(50));
        Assert.Throws<EndOfStreamException>(() => cursor.Take(100));
    }
}
