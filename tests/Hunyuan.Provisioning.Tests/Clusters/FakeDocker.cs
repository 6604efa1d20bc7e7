namespace Hunyuan.Provisioning.Tests.Clusters;

/// <summary>
/// A fake `docker` for one host (there is no Docker engine on these machines): it logs every call, keeps containers
/// as files, and runs `docker exec` commands on this machine with the container's home and /etc/ssh as directories of
/// its own and the host's ~/.hyc as HYC_HOME, which is what the real mount gives the container.
/// </summary>
internal sealed class FakeDocker
{
    private const string Script = """
        #!/bin/sh
        d="$FAKE_DOCKER_DIR"
        printf '%s\n' "$*" >> "$d/calls.log"
        case "$1" in
          version) echo 27.3.1 ;;
          image) [ -f "$d/pulled" ] && echo sha256:0123 || { echo "Error: No such image: $4" >&2; exit 1; } ;;
          pull) touch "$d/pulled"; echo "docker.io/$3" ;;
          inspect)
            if [ "$2" = --format ]; then fmt="$3"; name="$4"; else fmt=""; name="$2"; fi
            [ -f "$d/c-$name" ] || { echo "Error: No such object: $name" >&2; exit 1; }
            read -r image label < "$d/c-$name"
            case "$fmt" in
              *Config.Image*) echo "true $image $label" ;;
              *Labels*) echo "true $label" ;;
              ?*) echo true ;;
            esac ;;
          run)
            shift; name=""; label=""; image=""; rm=""
            while [ $# -gt 0 ]; do
              case "$1" in
                --name) name="$2"; shift 2 ;;
                --label) label="${2#*=}"; shift 2 ;;
                --rm) rm=1; shift ;;
                --shm-size|--gpus|-v|-e|--entrypoint|--restart|--user) shift 2 ;;
                -*) shift ;;
                *) image="$1"; break ;;
              esac
            done
            if [ -n "$rm" ]; then
              [ "$2" = --version ] && { echo "Redis server v=${FAKE_REDIS_VERSION:-7.2.4} sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=0"; exit 0; }
              echo "fake docker: unexpected run --rm $*" >&2; exit 2
            fi
            printf '%s %s\n' "$image" "$label" > "$d/c-$name"
            mkdir -p "$d/$name-home" "$d/$name-etc-ssh"
            cp "$d/host_key.pub" "$d/$name-etc-ssh/ssh_host_ed25519_key.pub"
            echo 0123456789abcdef ;;
          rm) [ -f "$d/c-$3" ] && rm -f "$d/c-$3" ;;
          exec)
            shift
            while [ $# -gt 0 ]; do case "$1" in -i) shift ;; --user|-e) shift 2 ;; *) break ;; esac; done
            name="$1"; shift 3
            cmd=$(printf '%s' "$1" | sed "s|/etc/ssh/|$d/$name-etc-ssh/|g")
            HYC_HOME="$HOME/.hyc" HOME="$d/$name-home" exec sh -c "$cmd" ;;
          *) echo "fake docker: unexpected $1" >&2; exit 2 ;;
        esac
        """;

    public FakeDocker(string directory, string hostKeyLine)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "docker"), Script.Replace("\r", "", StringComparison.Ordinal) + "\n");
        File.SetUnixFileMode(Path.Combine(directory, "docker"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(directory, "host_key.pub"), hostKeyLine + "\n");
    }

    public string Directory { get; }

    public Dictionary<string, string> Environment(string home) => new()
    {
        ["PATH"] = Directory + ":" + System.Environment.GetEnvironmentVariable("PATH"),
        ["FAKE_DOCKER_DIR"] = Directory,
        ["HOME"] = home,
    };

    public string ContainerHome(string container) => Path.Combine(Directory, container + "-home");

    public string[] Calls() => File.Exists(Path.Combine(Directory, "calls.log")) ? File.ReadAllLines(Path.Combine(Directory, "calls.log")) : [];

    public void ClearCalls() => File.Delete(Path.Combine(Directory, "calls.log"));
}
