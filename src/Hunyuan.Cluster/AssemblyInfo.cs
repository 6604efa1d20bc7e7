// The application layer starts and signals POSIX processes and reads /proc: Linux only, like the CLI.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
