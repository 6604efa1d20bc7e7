// The application layer under test runs on Linux only (see src/Hunyuan.Cluster/AssemblyInfo.cs).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
