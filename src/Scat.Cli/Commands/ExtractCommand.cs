using System.CommandLine;
using Scat.Input.Decoding;
using Scat.Output;
using Scat.Pipeline;
using Scat.Transform;

namespace Scat.Cli.Commands;

/// <summary><c>scat extract INPUT... -o OUT</c>: scattering features of images to NPY, NPZ or Parquet.</summary>
internal static class ExtractCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("extract", "Compute the scattering features of images and write them to an NPY, NPZ or Parquet file");
        var bind = new OptionBinder<ExtractOptions>(command)
            .Add(new Argument<string[]>("INPUT")
            {
                Description = "Image folders (their first-level subfolders are the classes) or image files; or WebDataset tar shards (.tar, .tar.gz, - for standard input), Parquet image tables (.parquet) or numpy arrays (.npy, .npz). Quoted brace ranges and globs are expanded by scat",
                Arity = ArgumentArity.ZeroOrMore,
            }, (o, v) => o with { Inputs = v ?? [] })
            .Group("Input")
            .Add(new Option<string?>("--files-from")
            {
                Description = "Read the image paths from FILE (- for standard input), one a line, in that order, instead of INPUT",
                HelpName = "FILE|-",
            }, (o, v) => o with { FilesFrom = v })
            .Add(new Option<bool>("--classes-from-parent")
            {
                Description = "With --files-from: the class of an image is the name of its parent folder (else label -1)",
            }, (o, v) => o with { ClassesFromParent = v })
            .Add(new Option<int?>("--limit")
            {
                Description = "Process only the first N images of the listing (before --shard splits it), e.g. for a quick try on a large folder",
                HelpName = "N",
            }, (o, v) => o with { Limit = v })
            .Add(new Option<string?>("--image-ext")
            {
                Description = "Tar shards: the image member of a sample that has several, by extension (e.g. jpg, seg.png)",
                HelpName = "EXT",
            }, (o, v) => o with { ImageExtension = v })
            .Add(new Option<string?>("--image-column")
            {
                Description = "Parquet tables: the image column (a struct with a binary 'bytes' field, or binary); default image",
                HelpName = "NAME",
            }, (o, v) => o with { ImageColumn = v })
            .Add(new Option<string?>("--label-column")
            {
                Description = "Parquet tables: the integer label column; default label (labels -1 without it)",
                HelpName = "NAME",
            }, (o, v) => o with { LabelColumn = v })
            .Add(new Option<string?>("--array-key")
            {
                Description = "numpy .npz inputs: the array holding the images; default x, or the only array",
                HelpName = "NAME",
            }, (o, v) => o with { ArrayKey = v })
            .Group("Image")
            .Add(CommonOptions.Color(), (o, v) => o with { Color = v })
            .Add(CommonOptions.Size(), (o, v) => o with { Resize = v })
            .Add(CommonOptions.Fit(), (o, v) => o with { Resize = CommonOptions.WithFit(o.Resize, v) })
            .Add(CommonOptions.Decode(), (o, v) => o with { Decode = v })
            // Tiles (issue 21).
            .Add(new Option<string?>("--tile")
            {
                Description = "Cut each image (after --size) into every tile of N x N or H x W pixels (height x width) that lies wholly inside it, row-major; partial tiles at the right and bottom edges are dropped; each tile is a row with its image's path and label and tile_y, tile_x",
                HelpName = "N|HxW",
            }, (o, v) => o with { Tile = v })
            .Add(new Option<string?>("--tile-stride")
            {
                Description = "With --tile: rows and columns between the tiles' top-left corners (N or HxW); default the tile size (no overlap)",
                HelpName = "N|HxW",
            }, (o, v) => o with { TileStride = v })
            .Add(new Option<long>("--max-pixels")
            {
                Description = "Skip images with more pixels than this (read from the header, before decoding)",
                DefaultValueFactory = _ => ImageDecoder.DefaultMaxPixels,
                HelpName = "N",
            }, (o, v) => o with { MaxPixels = v })
            .Add(new Option<double>("--decode-timeout")
            {
                Description = "Skip a file whose decoding takes longer than this many seconds",
                DefaultValueFactory = _ => ExtractOptions.DefaultDecodeTimeout.TotalSeconds,
                HelpName = "SECONDS",
            }, (o, v) => o with { DecodeTimeoutSeconds = v })
            .Add(CommonOptions.Strict(), (o, v) => o with { Strict = v })
            .Group("Transform")
            .Add(CommonOptions.Scale(), (o, v) => o with { J = v })
            .Add(CommonOptions.Angles(), (o, v) => o with { L = v })
            .Add(CommonOptions.Order(), (o, v) => o with { Order = v })
            .With(b => new CoefficientArguments().AddTo(b, o => o.Coefficients, (o, c) => o with { Coefficients = c }))
            .Add(CommonOptions.Pool(), (o, v) => o with { Pool = v })
            .Group("Output")
            .Add(new Option<string>("--output", "-o")
            {
                Description = "Output file: .npz (features, labels, paths, classes, channel meta), .parquet (one row per image: path, label, class, features) or .npy (features only); - writes NPY to standard output. {shard} in the name is replaced by the shard index, {part} by the part number (with --part-size)",
                Required = true,
                HelpName = "OUT",
            }, (o, v) => o with { Output = v })
            .Add(CommonOptions.Choice("--dtype", "Element type of the stored features: float32 or float16 (rounded to nearest even when written; half the size; not for .parquet)", FeatureDType.Float32)
                , (o, v) => o with { DType = v })
            .Add(CommonOptions.OptionalChoice<ParquetCompression>("--compression", "Compression of a .parquet output: zstd (default), snappy, gzip or none")
                , (o, v) => o with { Compression = v })
            .Add(new Option<int?>("--part-size")
            {
                Description = "Write the output in parts of N images of the listing, each a complete file; the output name needs {part} (5 digits, e.g. -o 'feats/part-{part}.parquet'); a MANIFEST.json beside the parts lists them",
                HelpName = "N",
            }, (o, v) => o with { PartSize = v })
            .Add(new Option<bool>("--resume")
            {
                Description = "With --part-size: check the manifest of an earlier run of the same command, keep its good parts and compute only the rest",
            }, (o, v) => o with { Resume = v })
            .Add(new Option<bool>("--no-clobber") { Description = "Refuse to replace an existing output file" }, (o, v) => o with { NoClobber = v })
            .Add(new Option<string?>("--skipped")
            {
                Description = "Write the skipped files to FILE, one line PATH<TAB>REASON each",
                HelpName = "FILE",
            }, (o, v) => o with { SkippedList = v })
            .Group("Run")
            .Add(CommonOptions.Device(), (o, v) => o with { Device = v })
            .Add(CommonOptions.BatchSize(), (o, v) => o with { BatchSize = v })
            .Add(CommonOptions.Threads(), (o, v) => o with { Threads = v })
            .Add(new Option<int?>("--shards")
            {
                Description = "With --shard auto in a Kubernetes indexed Job: the number of shards (the Job's completions)",
                HelpName = "N",
            }, (o, v) => o with { ShardCount = v })
            .Add(new Option<string?>("--shard")
            {
                Description = "Process only part I of N (contiguous ranges of the processing order; over tar shards, whole shards); auto reads SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX (with --shards)",
                HelpName = "I/N|auto",
            }, (o, v) => o with { Shard = v is null ? null : Shard.Parse(v, o.ShardCount, Environment.GetEnvironmentVariable) })
            .Add(CommonOptions.Quiet(), (o, v) => o with { Quiet = v })
            .Example("scat extract photos/ -o feats.npz", "every image of photos/ (its subfolders are the classes) at its own size, J=2, L=8, to one NPZ")
            .Example("scat extract photos/ --size 64 -J 3 --pool mean --log -o feats.parquet", "resized to 64x64 (centre crop), J=3, each map averaged over its positions and logged, one Parquet row per image")
            .Example("scat extract 'shards/train-{000..099}.tar' --size 128 --part-size 10000 -o 'feats/part-{part}.npy'", "WebDataset shards in parts of 10000 images; after an interrupt, the same command with --resume computes only the missing parts")
            .Example("scat extract images.npz --array-key x -o - > feats.npy", "a numpy array of images (N, H, W) or (N, C, H, W), NPY on standard output");
        command.SetAction((ParseResult r, CancellationToken ct) => Task.Run(() => (int)Handle(
            () => bind.Bind(r, new ExtractOptions { Inputs = [], Output = "" }), console, ct), CancellationToken.None));
        return command;
    }

    /// <summary>Binds the options and runs the pipeline (which validates them once); every outcome becomes an exit code.</summary>
    public static ExitCode Handle(Func<ExtractOptions> bind, CliConsole console, CancellationToken cancellationToken)
    {
        ProgressBar? bar = null;
        var stdout = new CountingStream(console.StandardOutput);
        return CommandErrors.Run(console, cancellationToken, () =>
        {
            var options = bind();
            if (options.Output == FeatureWriters.StandardOutput && console.OutputIsTerminal)
                throw new ScatUsageException("standard output is a terminal: redirect it (e.g. > features.npy) or give -o FILE");
            bar = console.ErrorIsTerminal && !options.Quiet ? new ProgressBar(console.Error) : null;
            var pipeline = new ExtractPipeline(options, stdout, console.In)
            {
                Progress = bar is null ? null : bar.Report,
                AnnounceOutputOver = console.ErrorIsTerminal ? ExtractPipeline.LargeOutput : null,
            };
            pipeline.Run(bar ?? console.Error, cancellationToken);
            return ExitCode.Success;
        }, onError: () => bar?.Clear(),
        interrupted: () => stdout.Written > 0 ? $"interrupted; {stdout.Written} bytes of an incomplete NPY were written to standard output" : null);
    }

    /// <summary>Standard output, counting what went through (an interrupted "-o -" has already streamed part of its file).</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Written { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            Written += buffer.Length;
        }
    }
}
