// Provisioning targets Linux hosts (Unix file modes, /bin/sh).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
