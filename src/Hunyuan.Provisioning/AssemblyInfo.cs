// Provisioning drives Linux hosts and writes Unix-mode files (keys, known_hosts, state).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
