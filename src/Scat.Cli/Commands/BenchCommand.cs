using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Scat.Backends;
using Scat.Bench;
using Scat.Input.Decoding;

namespace Scat.Cli.Commands;

/// <summary><c>scat bench</c>: the paper's timing table (batch 128, RGB, J=2) on a device, or the whole extract path on a folder.</summary>
internal static class BenchCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("bench", "Time the scattering transform of an in-memory batch (decode excluded), like the paper's table");
        var bind = new OptionBinder<BenchOptions>(command)
            .Group("Transform")
            .Add(CommonOptions.Sizes("Image sizes to time, N or HxW, repeatable or comma-separated [default: 32,128,256]; with --end-to-end, the one size the images are resized to"),
                (o, v) => o with { Sizes = [.. v.Select(s => (s.Height, s.Width))] })
            .Add(CommonOptions.Color(), (o, v) => o with { Channels = v == ColorMode.Gray ? 1 : 3 })
            .Add(CommonOptions.Scale(), (o, v) => o with { J = v })
            .Add(CommonOptions.Angles(), (o, v) => o with { L = v })
            .Add(CommonOptions.Order(), (o, v) => o with { Order = v })
            .With(b => new CoefficientArguments().AddTo(b, o => o.Coefficients, (o, c) => o with { Coefficients = c }))
            .Add(Given(CommonOptions.Pool()), (o, v) => o with { Pool = v })
            .Group("End-to-end")
            .Add(new Option<string?>("--end-to-end")
            {
                Description = "Time the whole extract path on INPUT instead (a folder, tar shards, a Parquet image table or an array, as extract reads them; decode, transform and write timed apart)",
                HelpName = "INPUT",
            }, (o, v) => o with { Input = v })
            .Add(Given(CommonOptions.Fit()), (o, v) => o with { Fit = v })
            .Add(Given(CommonOptions.Decode()), (o, v) => o with { Decode = v })
            .Group("Run")
            .Add(CommonOptions.Device(), (o, v) => o with { Device = v })
            .Add(CommonOptions.BatchSize(128), (o, v) => o with { BatchSize = v })
            .Add(CommonOptions.Threads(), (o, v) => o with { Threads = v })
            .Add(new Option<int>("--repeat") { Description = "Timed runs per configuration (the median and minimum are reported)", DefaultValueFactory = _ => 5 }, (o, v) => o with { Repeat = v })
            .Add(new Option<int>("--warmup") { Description = "Untimed runs before the timed ones", DefaultValueFactory = _ => 1 }, (o, v) => o with { Warmup = v })
            .Add(new Option<bool>("--json") { Description = "One JSON object per line and configuration on stdout, nothing else" }, (o, v) => o with { Json = v })
            .Example("scat bench --device cpu --size 32,128", "the in-memory table at two sizes on the CPU")
            .Example("scat bench --end-to-end photos/ --size 64 --fit pad --pool mean --log", "one's extract settings on one's own images: decode, transform and write timed apart");
        command.SetAction((ParseResult r, CancellationToken ct) => Task.Run(() => (int)Handle(() => bind.Bind(r, new BenchOptions()), console, ct), CancellationToken.None));
        return command;
    }

    /// <summary>An option whose value is null when it is not given (bench tells "not asked" from extract's default).</summary>
    private static Option<T?> Given<T>(Option<T> option) where T : struct
    {
        var given = new Option<T?>(option.Name) { Description = option.Description, HelpName = option.HelpName };
        var parse = option.CustomParser!;
        given.CustomParser = r => parse(r);
        foreach (var source in option.CompletionSources) given.CompletionSources.Add(source);
        return given;
    }

    public static ExitCode Handle(Func<BenchOptions> bind, CliConsole console, CancellationToken ct)
    {
        return CommandErrors.Run(console, ct, () =>
        {
            var options = bind();
            options.Validate();
            options = options with { Device = EngineFactory.Resolve(options.Device, notice => { if (!options.Json) console.Error.WriteLine(notice); }) };
            bool json = options.Json, endToEnd = options.Input is not null;
            int j = options.J, l = options.L, order = options.Order, repeat = options.Repeat, warmup = options.Warmup;
            IEnumerable<BenchResult> results = endToEnd ? [BenchRunner.EndToEnd(options, ct)] : BenchRunner.Run(options, ct);

            bool header = false;
            foreach (var result in results)
            {
                if (json) { console.Out.WriteLine(ToJson(result)); console.Out.Flush(); continue; }
                if (!header)
                {
                    var m = result.Machine;
                    console.Out.WriteLine($"scat bench: {m.Cpu}, {m.Cores} cores, {m.Simd}{(m.Gpu is null ? "" : ", GPU " + m.Gpu)}");
                    console.Out.WriteLine($"batch {result.Batch} images, {result.Channels switch { 3 => "RGB", 1 => "gray", var c => $"{c} channels" }}, J={j}, L={l}, order {order}, " +
                                          string.Concat(Settings(options).Select(x => x + ", ")) +
                                          (!endToEnd ? $"median of {repeat} after {warmup} warm-up" : $"input {options.Input}"));
                    console.Out.WriteLine(!endToEnd
                        ? $"{"size",-10} {"device",-8} {"mode",-10} {"median s",10} {"min s",10} {"images/s",10} {"bank s",8}"
                        : $"{"size",-10} {"device",-8} {"decode s",10} {"transform s",12} {"write s",10} {"total s",10} {"images/s",10} {"feed img/s",11} {"bound by",-9}");
                    header = true;
                }
                string size = $"{result.Height}x{result.Width}";
                console.Out.WriteLine(!endToEnd
                    ? string.Create(CultureInfo.InvariantCulture, $"{size,-10} {result.Device,-8} {result.Mode,-10} {result.MedianSeconds,10:F4} {result.MinSeconds,10:F4} {result.ImagesPerSecond,10:F1} {result.BankSeconds,8:F3}")
                    : string.Create(CultureInfo.InvariantCulture, $"{size,-10} {result.Device,-8} {result.DecodeSeconds,10:F3} {result.TransformSeconds,12:F3} {result.WriteSeconds,10:F3} {result.MedianSeconds,10:F3} {result.ImagesPerSecond,10:F1} {result.FeedImagesPerSecond,11:F1} {result.BoundBy,-9}"));
                console.Out.Flush();
            }
            return ExitCode.Success;
        });
    }

    /// <summary>What the run was asked beyond the transform's shape, for the table's header ("padding zero, log, --pool mean").</summary>
    private static IEnumerable<string> Settings(BenchOptions o)
    {
        if (!o.Coefficients.IsDefault) yield return o.Coefficients.Describe();
        if (o.Pool is { } pool) yield return $"--pool {pool.ToString().ToLowerInvariant()}";
        if (o.Fit is { } fit) yield return $"--fit {fit.ToString().ToLowerInvariant()}";
        if (o.Decode is { } decode) yield return $"--decode {decode.ToString().ToLowerInvariant()}";
    }

    internal static string ToJson(BenchResult r)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("device", r.Device);
            w.WriteString("mode", r.Mode);
            w.WriteNumber("batch", r.Batch);
            w.WriteNumber("channels", r.Channels);
            w.WriteNumber("height", r.Height);
            w.WriteNumber("width", r.Width);
            w.WriteNumber("J", r.J);
            w.WriteNumber("L", r.L);
            w.WriteNumber("order", r.Order);
            w.WriteNumber("median_s", Math.Round(r.MedianSeconds, 6));
            w.WriteNumber("min_s", Math.Round(r.MinSeconds, 6));
            w.WriteNumber("images_per_s", Math.Round(r.ImagesPerSecond, 3));
            if (r.DecodeSeconds is { } d) w.WriteNumber("decode_s", Math.Round(d, 6));
            if (r.TransformSeconds is { } t) w.WriteNumber("transform_s", Math.Round(t, 6));
            if (r.WriteSeconds is { } ws) w.WriteNumber("write_s", Math.Round(ws, 6));
            if (r.FeedImagesPerSecond is { } feed) w.WriteNumber("feed_images_per_s", Math.Round(feed, 3));
            if (r.BoundBy is { } bound) w.WriteString("bound_by", bound);
            if (r.BankSeconds is { } bank) w.WriteNumber("bank_s", Math.Round(bank, 6));
            w.WriteStartObject("machine");
            w.WriteString("cpu", r.Machine.Cpu);
            w.WriteNumber("cores", r.Machine.Cores);
            w.WriteString("simd", r.Machine.Simd);
            w.WriteNumber("simd_width", r.Machine.SimdWidth);
            if (r.Machine.Gpu is null) w.WriteNull("gpu"); else w.WriteString("gpu", r.Machine.Gpu);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
