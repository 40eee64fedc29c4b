using Scat.Backends;
using Scat.Backends.Cuda.Driver;
using Scat.Tests.Support;

namespace Scat.Tests.Backends;

/// <summary>The notice that <c>--device auto</c> prints when it uses the CPU says how to silence it, and that works.</summary>
public class DeviceNoticeTests
{
    [NoCudaFact]
    public void TheFallbackNoticeNamesTheOptionThatSilencesIt()
    {
        var notices = new List<string>();
        EngineFactory.Resolve(new DeviceSpec(DeviceKind.Auto, 0), notices.Add);
        string notice = Assert.Single(notices);
        Assert.DoesNotContain('\n', notice);
        Assert.Matches(@"^device: cpu \(CUDA not used: .+; --device cpu skips the check and this line\)$", notice);
    }

    [Fact]
    public void DeviceCpuPrintsNoNotice()
    {
        var notices = new List<string>();
        var d = EngineFactory.Resolve(new DeviceSpec(DeviceKind.Cpu, 0), notices.Add);
        Assert.Equal(DeviceKind.Cpu, d.Kind);
        Assert.Empty(notices);
    }
}
