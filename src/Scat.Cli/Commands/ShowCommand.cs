using System.CommandLine;
using Scat.Backends;
using Scat.Input.Decoding;
using Scat.Pictures;
using Scat.Pipeline;
using Scat.Transform;

namespace Scat.Cli.Commands;

/// <summary>Everything <c>scat show</c> is asked to do.</summary>
internal sealed record ShowOptions
{
    /// <summary>The most pixels show transforms: a larger image is resized (keeping its aspect), and the picture says so.</summary>
    public const int MaxSide = 512, MaxPixels = MaxSide * MaxSide;

    public string Image { get; init; } = "";
    public string Output { get; init; } = "";
    public int J { get; init; } = 2;
    public int L { get; init; } = 8;
    public int Order { get; init; } = 2;
    /// <summary>--size and --fit; null: the image's own size (at most <see cref="MaxPixels"/>).</summary>
    public ResizeSpec? Resize { get; init; }
    public CoefficientOptions Coefficients { get; init; } = CoefficientOptions.Default;

    /// <summary>Every rule of the options, in one place; throws <see cref="ScatUsageException"/> on the first broken one.</summary>
    public void Validate()
    {
        CommonOptions.CheckPng(Output);
        OptionRules.TransformShape(J, L, Order);
        if (Resize is not { } r) return;
        if (OptionRules.ImageSizeProblem(r.Height, r.Width, J, L, Order, resized: true) is { } problem) throw new ScatUsageException(problem);
        if ((long)r.Height * r.Width > MaxPixels)
            throw new ScatUsageException($"scat show transforms at most {MaxSide}x{MaxSide} pixels; --size {r.Height}x{r.Width} is more");
    }

    /// <summary>
    /// The size an image of <paramref name="height"/> × <paramref name="width"/> is shown at when no --size is given: its own,
    /// or, above <see cref="MaxPixels"/>, the largest size of the same aspect within it.
    /// </summary>
    public static (int Height, int Width) ShownSize(int height, int width)
    {
        if ((long)height * width <= MaxPixels) return (height, width);
        double scale = Math.Sqrt((double)MaxPixels / ((long)height * width));
        return (Math.Max(1, (int)(height * scale)), Math.Max(1, (int)(width * scale)));
    }
}

/// <summary><c>scat show IMAGE -J J [-L L] -o coeffs.png</c>: an image and its scattering coefficients as one PNG.</summary>
internal static class ShowCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("show", "Draw an image and its scattering coefficients (order 0, order 1 by j and θ, order 2 by (j1, j2)) as one PNG");
        var bind = new OptionBinder<ShowOptions>(command)
            .Add(new Argument<string>("IMAGE") { Description = $"The image file (a colour image is converted to gray; one larger than {ShowOptions.MaxSide}x{ShowOptions.MaxSide} pixels is resized, keeping its aspect)" },
                (o, v) => o with { Image = v })
            .Group("Transform")
            .Add(CommonOptions.Scale(), (o, v) => o with { J = v })
            .Add(CommonOptions.Angles(), (o, v) => o with { L = v })
            .Add(CommonOptions.Order(), (o, v) => o with { Order = v })
            .With(b => new CoefficientArguments().AddTo(b, o => o.Coefficients, (o, c) => o with { Coefficients = c }))
            .Group("Image")
            .Add(CommonOptions.Size($"Resize the image to N x N or H x W pixels (bilinear, at most {ShowOptions.MaxSide}x{ShowOptions.MaxSide}) before the transform"), (o, v) => o with { Resize = v })
            .Add(CommonOptions.Fit(), (o, v) => o with { Resize = CommonOptions.WithFit(o.Resize, v) })
            .Group("Output")
            .Add(CommonOptions.PngOutput(), (o, v) => o with { Output = v })
            .Example("scat show photo.jpg -J 3 -o coeffs.png", "the photo in gray and its coefficients at J=3 (orders 0, 1 and 2)")
            .Example("scat show photo.jpg --size 128 --rotation-invariant --log -o coeffs.png", "resized to 128x128, the rotation-invariant, logged coefficients");
        command.SetAction((ParseResult r, CancellationToken ct) => Task.Run(() => (int)Handle(bind.Bind(r, new ShowOptions()), console, ct), CancellationToken.None));
        return command;
    }

    public static ExitCode Handle(ShowOptions o, CliConsole console, CancellationToken cancellationToken = default)
    {
        return CommandErrors.Run(console, cancellationToken, () =>
        {
            o.Validate();
            if (!File.Exists(o.Image)) throw new ScatException($"no such file: {o.Image}");

            float[] plane;
            int height, width;
            string title = Path.GetFileName(o.Image);
            try
            {
                var resize = o.Resize;
                if (resize is null)
                {
                    var (h, w) = new ImageDecoder(ColorMode.Gray, null).Identify(o.Image);
                    var (sh, sw) = ShowOptions.ShownSize(h, w);
                    if ((sh, sw) != (h, w))
                    {
                        resize = new ResizeSpec(sh, sw, FitMode.Stretch); // the aspect is kept by the size itself
                        var note = $"{h} x {w} pixels, resized to {sh} x {sw} (scat show transforms at most {ShowOptions.MaxSide} x {ShowOptions.MaxSide})";
                        console.Error.WriteLine($"{title}: {note}");
                        title += $": {note}";
                    }
                }
                using var decoded = new ImageDecoder(ColorMode.Gray, resize).Decode(o.Image, cancellationToken);
                height = decoded.Height; width = decoded.Width;
                plane = new float[height * width];
                decoded.CopyPlanes(plane);
            }
            catch (ImageDecodeException e)
            {
                throw new ScatException($"cannot decode {o.Image}: {e.Message}");
            }
            if (OptionRules.ImageSizeProblem(height, width, o.J, o.L, o.Order, resized: o.Resize is not null) is { } problem)
                throw new ScatException(problem);
            var layout = new ScatteringLayout(height, width, o.J, o.L, o.Order, o.Coefficients.Padding);
            var coefficients = new float[layout.OutputPerPlane];
            using (var engine = EngineFactory.Create(new DeviceSpec(DeviceKind.Cpu, 0), layout, Environment.ProcessorCount))
                engine.Transform(plane, 1, coefficients, cancellationToken);
            var steps = new CoefficientSteps(layout, o.Coefficients, PoolMode.None);
            var features = steps.Apply(coefficients, 1);
            var png = CoefficientPicture.Render(title, plane, layout, features, steps.Channels, o.Coefficients.Describe());
            PictureFiles.Write(o.Output, png);
            return ExitCode.Success;
        }, writing: o.Output);
    }
}
