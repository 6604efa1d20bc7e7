// hyc runs on Linux hosts (it is built for linux-x64 only; it signals processes and sets Unix file modes).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
