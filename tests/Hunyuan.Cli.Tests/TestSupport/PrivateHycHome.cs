using System.Runtime.CompilerServices;

namespace Hunyuan.Cli.Tests.TestSupport;

/// <summary>
/// The whole test process gets a HYC_HOME of its own before any test runs, so neither in-process commands nor the hyc
/// processes tests start (which inherit it) ever read or write the real ~/.hyc of whoever runs the tests. Tests that
/// need a home of their own still pass one.
/// </summary>
internal static class PrivateHycHome
{
    [ModuleInitializer]
    internal static void Initialize()
    {
        var home = Path.Combine(Path.GetTempPath(), "hyc-tests-home-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(home);
        Environment.SetEnvironmentVariable("HYC_HOME", home);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(home, recursive: true);
            }
            catch (IOException)
            {
            }
        };
    }
}
