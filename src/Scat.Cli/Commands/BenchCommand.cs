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
        var device = CommonOptions.Device();
        var sizes = new Option<string[]>("--size")
        {
            Description = "Image sizes to time, N or HxW, repeatable or comma-separated [default: 32,128,256]",
            HelpName = "N|HxW",
            AllowMultipleArgumentsPerToken = true,
        };
        var batch = new Option<int>("--batch-size") { Description = "Images per batch", DefaultValueFactory = _ => 128 };
        var color = CommonOptions.Color();
        var scale = CommonOptions.Scale();
        var angles = CommonOptions.Angles();
        var order = CommonOptions.Order();
        var repeat = new Option<int>("--repeat") { Description = "Timed runs per configuration (the median and minimum are reported)", DefaultValueFactory = _ => 5 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed runs before the timed ones", DefaultValueFactory = _ => 1 };
        var threads = CommonOptions.Threads();
        var json = new Option<bool>("--json") { Description = "One JSON object per line and configuration on stdout, nothing else" };
        var endToEnd = new Option<string?>("--end-to-end")
        {
            Description = "Time the whole extract path on INPUT instead (a folder, tar shards, a Parquet image table or an array, as extract reads them; decode, transform and write timed apart)",
            HelpName = "INPUT",
        };
        var command = new Command("bench", "Time the scattering transform of an in-memory batch (decode excluded), like the paper's table")
        {
            device, sizes, batch, color, scale, angles, order, repeat, warmup, threads, json, endToEnd,
        };
        var coefficients = new CoefficientArguments();
        coefficients.AddTo(command);
        command.SetAction((ParseResult r, CancellationToken ct) => Task.Run(() => (int)Handle(
            r.GetValue(device)!, r.GetValue(sizes) ?? [], r.GetValue(batch), r.GetValue(color)!, r.GetValue(scale), r.GetValue(angles),
            r.GetValue(order), r.GetValue(repeat), r.GetValue(warmup), r.GetValue(threads), r.GetValue(json), r.GetValue(endToEnd),
            console, ct, coefficients.Read(r)), CancellationToken.None));
        return command;
    }

    public static ExitCode Handle(string deviceText, string[] sizeTexts, int batch, string color, int j, int l, int order,
        int repeat, int warmup, int threads, bool json, string? endToEnd, CliConsole console, CancellationToken ct,
        Transform.CoefficientOptions? coefficients = null)
    {
        return CommandErrors.Run(console, ct, () =>
        {
            var requested = CommonOptions.ParseDevice(deviceText);
            Pipeline.OptionRules.TransformShape(j, l, order);
            Pipeline.OptionRules.AtLeastOne("--batch-size", batch);
            Pipeline.OptionRules.AtLeastOne("--repeat", repeat);
            if (warmup < 0) throw new ScatUsageException($"--warmup must be 0 or more, got {warmup}");
            Pipeline.OptionRules.AtLeastOne("--threads", threads);
            var parsed = new List<(int, int)>();
            foreach (var t in sizeTexts.SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
            {
                if (!ResizeSpec.TryParse(t, FitMode.Crop, out var spec) || spec is null)
                    throw new ScatUsageException($"bad --size '{t}': use N or HxW with positive integers, e.g. 32 or 48x64");
                parsed.Add((spec.Height, spec.Width));
            }
            if (parsed.Count == 0 && endToEnd is null) parsed.AddRange([(32, 32), (128, 128), (256, 256)]);
            foreach (var (h, w) in parsed)
                if (Transform.ScatteringLayout.Problem(h, w, j, l, order) is { } problem)
                    throw new ScatUsageException(problem);

            var device = EngineFactory.Resolve(requested, notice => { if (!json) console.Error.WriteLine(notice); });
            var options = new BenchOptions
            {
                Device = device, Sizes = parsed, BatchSize = batch, Channels = color == "gray" ? 1 : 3,
                J = j, L = l, Order = order, Repeat = repeat, Warmup = warmup, Threads = threads,
                Coefficients = coefficients ?? Transform.CoefficientOptions.Default,
            };
            IEnumerable<BenchResult> results;
            if (endToEnd is not null)
            {
                if (!Directory.Exists(endToEnd) && !File.Exists(endToEnd) && endToEnd.IndexOfAny(['*', '?', '{']) < 0 && endToEnd != "-")
                    throw new ScatException($"{endToEnd}: no such folder or file");
                if (parsed.Count > 1) throw new ScatUsageException("--end-to-end takes at most one --size (the images are resized to it)");
                ResizeSpec? resize = parsed.Count == 1 ? new ResizeSpec(parsed[0].Item1, parsed[0].Item2, FitMode.Crop) : null;
                results = [BenchRunner.EndToEnd(endToEnd, options, resize, ct)];
            }
            else results = BenchRunner.Run(options, ct);

            bool header = false;
            foreach (var result in results)
            {
                if (json) { console.Out.WriteLine(ToJson(result)); console.Out.Flush(); continue; }
                if (!header)
                {
                    var m = result.Machine;
                    console.Out.WriteLine($"scat bench: {m.Cpu}, {m.Cores} cores, {m.Simd}{(m.Gpu is null ? "" : ", GPU " + m.Gpu)}");
                    console.Out.WriteLine($"batch {result.Batch} images, {result.Channels switch { 3 => "RGB", 1 => "gray", var c => $"{c} channels" }}, J={j}, L={l}, order {order}, " +
                                          (options.Coefficients.IsDefault ? "" : options.Coefficients.Describe() + ", ") +
                                          (endToEnd is null ? $"median of {repeat} after {warmup} warm-up" : $"input {endToEnd}"));
                    console.Out.WriteLine(endToEnd is null
                        ? $"{"size",-10} {"device",-8} {"mode",-10} {"median s",10} {"min s",10} {"images/s",10} {"bank s",8}"
                        : $"{"size",-10} {"device",-8} {"decode s",10} {"transform s",12} {"write s",10} {"total s",10} {"images/s",10} {"feed img/s",11} {"bound by",-9}");
                    header = true;
                }
                string size = $"{result.Height}x{result.Width}";
                console.Out.WriteLine(endToEnd is null
                    ? string.Create(CultureInfo.InvariantCulture, $"{size,-10} {result.Device,-8} {result.Mode,-10} {result.MedianSeconds,10:F4} {result.MinSeconds,10:F4} {result.ImagesPerSecond,10:F1} {result.BankSeconds,8:F3}")
                    : string.Create(CultureInfo.InvariantCulture, $"{size,-10} {result.Device,-8} {result.DecodeSeconds,10:F3} {result.TransformSeconds,12:F3} {result.WriteSeconds,10:F3} {result.MedianSeconds,10:F3} {result.ImagesPerSecond,10:F1} {result.FeedImagesPerSecond,11:F1} {result.BoundBy,-9}"));
                console.Out.Flush();
            }
            return ExitCode.Success;
        });
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
