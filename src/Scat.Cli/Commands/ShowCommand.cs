using System.CommandLine;
using Scat.Backends;
using Scat.Input.Decoding;
using Scat.Pictures;
using Scat.Transform;

namespace Scat.Cli.Commands;

/// <summary><c>scat show IMAGE -J J [-L L] -o coeffs.png</c>: an image and its scattering coefficients as one PNG.</summary>
internal static class ShowCommand
{
    public static Command Create(CliConsole console)
    {
        var image = new Argument<string>("IMAGE") { Description = "The image file (a colour image is converted to gray)" };
        var output = CommonOptions.PngOutput();
        var scale = CommonOptions.Scale();
        var angles = CommonOptions.Angles();
        var order = CommonOptions.Order();
        var size = CommonOptions.Size("Resize the image to N x N or H x W pixels (bilinear) before the transform");
        var fit = CommonOptions.Fit();
        var command = new Command("show", "Draw an image and its scattering coefficients (order 0, order 1 by j and θ, order 2 by (j1, j2)) as one PNG")
        {
            image, scale, angles, order, size, fit, output,
        };
        var coefficients = new CoefficientArguments();
        coefficients.AddTo(command);
        command.SetAction((ParseResult r, CancellationToken ct) => Task.Run(() => (int)Handle(
            r.GetValue(image)!, r.GetValue(scale), r.GetValue(angles), r.GetValue(order), r.GetValue(size), r.GetValue(fit)!,
            r.GetValue(output)!, console, ct, coefficients.Read(r)), CancellationToken.None));
        return command;
    }

    public static ExitCode Handle(string imagePath, int j, int l, int order, string? size, string fit, string output,
        CliConsole console, CancellationToken cancellationToken = default, CoefficientOptions? options = null)
    {
        return CommandErrors.Run(console, cancellationToken, () =>
        {
            if (!output.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                throw new ScatUsageException($"the output must be a .png file, got '{output}'");
            var resize = CommonOptions.ParseSize(size, fit);
            Pipeline.OptionRules.TransformShape(j, l, order);
            if (!File.Exists(imagePath)) throw new ScatException($"no such file: {imagePath}");

            var decoder = new ImageDecoder(ColorMode.Gray, resize);
            float[] plane;
            int height, width;
            try
            {
                using var decoded = decoder.Decode(imagePath, cancellationToken);
                height = decoded.Height; width = decoded.Width;
                plane = new float[height * width];
                decoded.CopyPlanes(plane);
            }
            catch (ImageDecodeException e)
            {
                throw new ScatException($"cannot decode {imagePath}: {e.Message}");
            }
            if (ScatteringLayout.Problem(height, width, j, l, order) is { } problem)
                throw new ScatException(resize is null ? $"{problem}; use --size to resize the image" : problem);
            options ??= CoefficientOptions.Default;
            var layout = new ScatteringLayout(height, width, j, l, order, options.Padding);
            var coefficients = new float[layout.OutputPerPlane];
            using (var engine = EngineFactory.Create(new DeviceSpec(DeviceKind.Cpu, 0), layout, Environment.ProcessorCount))
                engine.Transform(plane, 1, coefficients, cancellationToken);
            var steps = new CoefficientSteps(layout, options, PoolMode.None);
            var features = steps.Apply(coefficients, 1);
            var png = CoefficientPicture.Render(Path.GetFileName(imagePath), plane, layout, features, steps.Channels, options.Describe());
            PictureFiles.Write(output, png);
            return ExitCode.Success;
        }, writing: output);
    }
}
