namespace Hunyuan.Provisioning.Tests.Remote;

/// <summary>
/// Fake `systemctl`, `systemd-run` and `loginctl` (these machines have no systemd as init): every call is logged, a
/// started unit is a file holding its main pid, and switches (files) say whether a user manager answers and lingers.
/// </summary>
internal sealed class FakeSystemd
{
    public const int MainPid = 4242;

    private const string Systemctl = """
        #!/bin/sh
        d="$FAKE_SYSTEMD_DIR"
        printf 'systemctl %s\n' "$*" >> "$d/calls.log"
        [ "$1" = --user ] && shift
        case "$1" in
          show-environment) [ -f "$d/user-manager" ] || { echo "Failed to connect to bus" >&2; exit 1; }; echo HOME=/x ;;
          show)
            unit=$4
            if [ -f "$d/$unit" ]; then pid=$(cat "$d/$unit"); state=active; else pid=0; state=inactive; fi
            case "$3" in
              MainPID) echo "MainPID=$pid" ;;
              ActiveState) echo "ActiveState=$state" ;;
              *) echo "MainPID=$pid"; echo "ActiveState=$state" ;;
            esac ;;
          stop) [ "$2" = --no-block ] && shift; rm -f "$d/$2" ;;
          reset-failed|kill) ;;
          *) echo "fake systemctl: unexpected $1" >&2; exit 2 ;;
        esac
        """;

    private const string SystemdRun = """
        #!/bin/sh
        d="$FAKE_SYSTEMD_DIR"
        printf 'systemd-run %s\n' "$*" >> "$d/calls.log"
        for a in "$@"; do case "$a" in --unit=*) echo 4242 > "$d/${a#--unit=}.service" ;; esac; done
        """;

    private const string Loginctl = """
        #!/bin/sh
        d="$FAKE_SYSTEMD_DIR"
        printf 'loginctl %s\n' "$*" >> "$d/calls.log"
        [ -f "$d/linger" ] && echo Linger=yes || echo Linger=no
        """;

    public FakeSystemd(string directory)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        foreach (var (name, script) in new[] { ("systemctl", Systemctl), ("systemd-run", SystemdRun), ("loginctl", Loginctl) })
        {
            var path = Path.Combine(directory, name);
            File.WriteAllText(path, script.Replace("\r", "", StringComparison.Ordinal) + "\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public string Directory { get; }

    public bool UserManager { set => Switch("user-manager", value); }

    public bool Linger { set => Switch("linger", value); }

    public Dictionary<string, string> Environment(string home) => new()
    {
        ["PATH"] = Directory + ":" + System.Environment.GetEnvironmentVariable("PATH"),
        ["FAKE_SYSTEMD_DIR"] = Directory,
        ["HOME"] = home,
    };

    public string[] Calls() => File.Exists(Path.Combine(Directory, "calls.log")) ? File.ReadAllLines(Path.Combine(Directory, "calls.log")) : [];

    public void ClearCalls() => File.Delete(Path.Combine(Directory, "calls.log"));

    private void Switch(string name, bool on)
    {
        if (on)
        {
            File.WriteAllText(Path.Combine(Directory, name), "");
        }
        else
        {
            File.Delete(Path.Combine(Directory, name));
        }
    }
}
