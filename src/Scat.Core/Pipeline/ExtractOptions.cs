using Scat.Backends;
using Scat.Input;

namespace Scat.Pipeline;

/// <summary>Everything <c>scat extract</c> is asked to do.</summary>
public sealed record ExtractOptions
{
    /// <summary>Folders (classes are their first-level subfolders) and image files.</summary>
    public required IReadOnlyList<string> Inputs { get; init; }
    /// <summary>A .npy, .npz or .parquet path (may hold {shard}), or "-" for NPY on standard output.</summary>
    public required string Output { get; init; }
    public int J { get; init; } = 2;
    public int L { get; init; } = 8;
    public int Order { get; init; } = 2;
    /// <summary>Pool each map over its positions (features (N, C, K) instead of (N, C, K, H', W')).</summary>
    public PoolMode Pool { get; init; } = PoolMode.None;
    public ColorMode Color { get; init; } = ColorMode.Rgb;
    /// <summary>Resize every image to this size; null: all images must share one size.</summary>
    public ResizeSpec? Resize { get; init; }
    public DeviceSpec Device { get; init; } = new(DeviceKind.Auto, 0);
    public int BatchSize { get; init; } = 64;
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>Only errors on stderr.</summary>
    public bool Quiet { get; init; }
    /// <summary>A file that cannot be decoded fails the run instead of being skipped.</summary>
    public bool Strict { get; init; }
    /// <summary>Image paths to process in this order instead of <see cref="Inputs"/> (--files-from).</summary>
    public IReadOnlyList<string>? FileList { get; init; }
    /// <summary>With <see cref="FileList"/>: the class of a file is its parent folder's name.</summary>
    public bool ClassesFromParent { get; init; }
    /// <summary>Process only this part of the input; the output name may hold {shard}.</summary>
    public Shard? Shard { get; init; }
    /// <summary>Compression of a Parquet output; null: zstd.</summary>
    public Scat.Output.ParquetCompression? Compression { get; init; }
    /// <summary>Scaled (DCT-domain) or full-size decoding of JPEGs that --size shrinks (<c>--decode</c>).</summary>
    public DecodeMode Decode { get; init; } = DecodeMode.Scaled;

    // Safety (issue 7): bad files, bombs, hangs, the output file.
    /// <summary>Images with more pixels than this (from the header) are skipped before decoding.</summary>
    public long MaxPixels { get; init; } = ImageDecoder.DefaultMaxPixels;
    /// <summary>A decode that runs longer is abandoned and its file skipped.</summary>
    public TimeSpan DecodeTimeout { get; init; } = DefaultDecodeTimeout;
    /// <summary>Where to write the skipped files (PATH TAB REASON per line); null: nowhere.</summary>
    public string? SkippedList { get; init; }
    /// <summary>Refuse to replace an existing output file (checked before any work and at the final rename).</summary>
    public bool NoClobber { get; init; }

    public static readonly TimeSpan DefaultDecodeTimeout = TimeSpan.FromSeconds(30);
}

/// <summary>The outcome of a successful run.</summary>
public sealed record ExtractResult(long Written, int Skipped, TimeSpan Elapsed, string Device);

/// <summary>Progress after each batch: files done (written or skipped) of the total listed.</summary>
public readonly record struct ExtractProgress(int Done, int Total, int Skipped);
