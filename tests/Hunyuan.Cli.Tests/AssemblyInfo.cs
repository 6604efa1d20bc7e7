// The CLI under test runs on Linux only (see cli/Hunyuan.Cli/AssemblyInfo.cs).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
