using Hunyuan.Model.Native;
using TorchSharp;

namespace Hunyuan.Model.Tests.Native;

public sealed class LibTorchVersionTests
{
    [Fact]
    public void TheSupportedVersionIsTheOneTorchSharpWasBuiltFor() =>
        Assert.StartsWith(LibTorchVersion.Supported + ".", torch.__version__, StringComparison.Ordinal);

    [Theory]
    [InlineData("__version__ = '2.10.0+cu128'\ngit_version = 'abc'\n", "2.10.0+cu128")]
    [InlineData("from typing import Optional\n__version__ = \"2.10.1\"\ncuda: Optional[str] = '12.8'\n", "2.10.1")]
    [InlineData("debug = False\n", null)]
    public void VersionPyGivesItsVersionLine(string text, string? expected) => Assert.Equal(expected, LibTorchVersion.FromVersionPy(text));

    [Theory]
    [InlineData("2.10.0+cpu\n", "2.10.0+cpu")]
    [InlineData("\n  2.9.1  \n", "2.9.1")]
    [InlineData(" \n", null)]
    public void BuildVersionGivesItsFirstLine(string text, string? expected) => Assert.Equal(expected, LibTorchVersion.FromBuildVersion(text));

    [Theory]
    [InlineData("2.10.0", true)]
    [InlineData("2.10.0+cu128", true)]
    [InlineData("2.10.1+cpu", true)]
    [InlineData("2.10", true)]
    [InlineData("2.9.1", false)]
    [InlineData("2.11.0", false)]
    [InlineData("2.1.0", false)]
    [InlineData("3.10.0", false)]
    [InlineData("latest", false)]
    public void OnlyTwoTenIsSupported(string version, bool supported) => Assert.Equal(supported, LibTorchVersion.IsSupported(version));
}
