using System.ClientModel;
using System.ClientModel.Primitives;
using Hunyuan.Cli.Tests.TestSupport;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Provisioning.Keys;
using OpenAI;
using OpenAI.Chat;

namespace Hunyuan.Cli.Tests.Commands.Provision;

/// <summary>
/// `hyc up HOSTS.yaml` and `hyc down` against three hosts made of network namespaces (<see cref="NetnsLab"/>): real
/// sshd, a Unix user and home per host, the process runtime, Redis on the head. hyc runs in a fourth namespace, as an
/// operator's machine would, with a HYC_HOME of the test's own.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(OneClusterAtATime.Name)]
public sealed class UpDownEndToEndTests : IDisposable
{
    private readonly TempDirectory _home = new();

    private string _password = "";


    private Dictionary<string, string> Env => new() { ["HYC_HOME"] = _home.Path, ["HYC_LAB_PASSWORD"] = _password };

    [SkippableFact]
    public async Task UpFormsTheClusterMeshesTheHostsChangesNothingTwiceRefusesAChangedKeyRepairsAndDownLeavesNothing()
    {
        var why = NetnsLab.WhyNot();
        Skip.If(why is not null, why);
        // Host 2 takes only a password (from an environment variable, as the list says); the others the operator's key.
        using var lab = new NetnsLab(hosts: 3, passwordHost: 2);
        _password = lab.Password;
        var hostsYaml = Path.Combine(lab.Directory, "hosts.yaml");
        File.WriteAllText(hostsYaml, $"""
            cluster: lab
            ssh:
              password_env: HYC_LAB_PASSWORD
            runtime:
              kind: process
            hosts:
            {string.Join("\n", lab.Hosts.Select(h => $"  - address: {h.Address}\n    user: {h.User}\n    virtual_gpus: {{count: 2, memory: 2GiB}}" + (h.Index == 2 ? "" : $"\n    identity_file: {lab.OperatorKeyFile}")))}
            """);
        string[] common = ["--min-free-disk", "1GiB", "--timeout", "180", "--json"];
        var outputs = new List<HycResult>();

        var up = await Hyc(outputs, ["up", hostsYaml, "--accept-new-host-keys", .. common]);
        try
        {
            Assert.True(up.ExitCode == 0, up.ToString());
            var upJson = up.Json();
            Assert.True(upJson.GetProperty("changed").GetBoolean());
            Assert.True(upJson.GetProperty("hosts").EnumerateArray().All(h => h.GetProperty("state").GetString() == "alive" && h.GetProperty("agent").GetString() == "started"), up.ToString());
            Assert.Equal("head", upJson.GetProperty("hosts")[0].GetProperty("role").GetString());

            // Each host key the test made is the one pinned.
            var knownHosts = File.ReadAllText(Path.Combine(_home.Path, "clusters", "lab", "known_hosts"));
            Assert.All(lab.Hosts, h => Assert.Contains($"{h.Address} ssh-ed25519 {Convert.ToBase64String(h.HostKey.PublicBlob())}", knownHosts, StringComparison.Ordinal));

            var status = await Hyc(outputs, ["status", "--cluster", "lab", "--json"]);
            Assert.True(status.ExitCode == 0, status.ToString());
            var nodes = status.Json().GetProperty("nodes").EnumerateArray().ToList();
            Assert.Equal(lab.Hosts.Select(h => h.Address).Order(), nodes.Where(n => n.GetProperty("state").GetString() == "alive").Select(n => n.GetProperty("name").GetString()).Order());
            Assert.All(nodes, n => Assert.Equal(2, n.GetProperty("gpus").GetArrayLength()));

            // A deployment across the provisioned nodes, its endpoint started on the head by `deploy`, answering the
            // official OpenAI SDK from the operator's side of the network.
            var model = Path.Combine(lab.Directory, "tiny");
            var init = await HycRunner.AsProcess(Env, TimeSpan.FromMinutes(1), "model", "init-tiny", model);
            Assert.True(init.ExitCode == 0, init.ToString());
            // No key given: deploy generates one (the endpoint listens on the head's cluster address), keeps it 0600 here
            // and says how to read it, never the key itself.
            var deploy = await Hyc(outputs, ["deploy", model, "--cluster", "lab", "--tp", "2", "--pp", "2", "--timeout", "180"]);
            Assert.True(deploy.ExitCode == 0, deploy.ToString());
            var keyFile = Path.Combine(_home.Path, "clusters", "lab", "api-key");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
            var apiKey = File.ReadAllText(keyFile).Trim();
            Assert.Contains($"cat {keyFile}", deploy.Stderr, StringComparison.Ordinal);
            Assert.Contains($"OpenAI endpoint ready: http://{lab.Hosts[0].Address}:8000/v1", deploy.Stderr, StringComparison.Ordinal);
            using (var http = lab.ControlHttpClient())
            {
                ChatClient Chat(string key) => new("tiny", new ApiKeyCredential(key), new OpenAIClientOptions
                {
                    Endpoint = new Uri($"http://{lab.Hosts[0].Address}:8000/v1"),
                    Transport = new HttpClientPipelineTransport(http),
                });
                var refused = await Assert.ThrowsAsync<ClientResultException>(() => Chat("wrong").CompleteChatAsync([new UserChatMessage("Hello")]));
                Assert.Equal(401, refused.Status);
                var completion = (await Chat(apiKey).CompleteChatAsync([new UserChatMessage("Hello")], new ChatCompletionOptions { MaxOutputTokenCount = 8 })).Value;
                Assert.InRange(completion.Usage.OutputTokenCount, 1, 8);
            }

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(lab.Hosts[0].Home, ".hyc", "clusters", "lab", "api-key-serve-tiny")));

            // The mesh: a plain `ssh ADDRESS` from every host reaches every other (user, port and the cluster key from
            // the block `up` wrote in ~/.ssh/config), no password, no prompt (BatchMode fails instead of asking), the
            // host key checked against the known_hosts `up` wrote.
            foreach (var from in lab.Hosts)
            {
                foreach (var to in lab.Hosts.Where(t => t != from))
                {
                    var (exit, output) = NetnsLab.AsUser(from, $"ssh -o BatchMode=yes -o StrictHostKeyChecking=yes {to.Address} echo mesh-{from.Index}-{to.Index}");
                    Assert.True(exit == 0, $"{from.Address} -> {to.Address}: {output}");
                    Assert.Equal($"mesh-{from.Index}-{to.Index}", output.Trim());
                }
            }

            // Secrets stay out of argv, logs, outputs and the local state; the files holding them are 0600.
            var head = lab.Hosts[0];
            var passwordFile = Path.Combine(head.Home, ".hyc", "clusters", "lab", "redis.password");
            var password = File.ReadAllText(passwordFile).Trim();
            Assert.True(password.Length >= 32, "a generated password");
            Assert.All(lab.Hosts, h => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(h.Home, ".hyc", "clusters", "lab", "redis.password"))));
            Assert.All(lab.Hosts, h => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(h.Home, ".ssh", "hyc_lab_ed25519"))));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_home.Path, "clusters", "lab", "cluster.json")));
            var clusterKeyText = File.ReadAllText(Path.Combine(head.Home, ".ssh", "hyc_lab_ed25519"));
            var keyBody = clusterKeyText.Split('\n')[1];

            // Each host holds the cluster CA's certificate and its own node certificate and key beside the agent, 0600,
            // and never the CA's key; the agent is told the directory, and each key stays out of argv, logs and output.
            var tlsKeys = new List<string>();
            foreach (var h in lab.Hosts)
            {
                var tls = Path.Combine(h.Home, ".hyc", "clusters", "lab", "tls");
                Assert.Equal(["ca.pem", $"node-{h.Address}.key", $"node-{h.Address}.pem"], Directory.GetFiles(tls).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal));
                Assert.All(Directory.GetFiles(tls), f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));
                using var node = Hunyuan.Engine.Security.ClusterTls.Load(tls, $"node-{h.Address}");
                Assert.Contains(System.Net.IPAddress.Parse(h.Address), node.Certificate.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509SubjectAlternativeNameExtension>().Single().EnumerateIPAddresses());
                tlsKeys.Add(File.ReadAllText(Path.Combine(tls, $"node-{h.Address}.key")).Split('\n')[1]);
            }

            tlsKeys.Add(File.ReadAllText(Path.Combine(_home.Path, "clusters", "lab", "tls", "ca.key")).Split('\n')[1]);
            var cmdlines = string.Join("\n", Directory.EnumerateDirectories("/proc").Select(d => TryRead(Path.Combine(d, "cmdline"))));
            var logs = string.Join("\n", lab.Hosts.SelectMany(h => Directory.EnumerateFiles(Path.Combine(h.Home, ".hyc", "clusters", "lab", "logs"))).Select(File.ReadAllText));
            var local = string.Join("\n", Directory.EnumerateFiles(_home.Path, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith("cluster_ed25519", StringComparison.Ordinal) && !f.EndsWith(".key", StringComparison.Ordinal) && f != keyFile).Select(File.ReadAllText));
            Assert.Contains("--tls-dir", cmdlines, StringComparison.Ordinal);
            foreach (var (where, text) in new[] { ("process arguments", cmdlines), ("agent and Redis logs", logs), ("local state", local), ("hyc output", string.Join("\n", outputs)) })
            {
                Assert.False(text.Contains(password, StringComparison.Ordinal), $"the Redis password is in the {where}");
                Assert.False(text.Contains(keyBody, StringComparison.Ordinal), $"the cluster's private key is in the {where}");
                Assert.False(text.Contains(lab.Password, StringComparison.Ordinal), $"the SSH password is in the {where}");
                Assert.False(text.Contains(apiKey, StringComparison.Ordinal), $"the endpoint's API key is in the {where}");
                Assert.All(tlsKeys, k => Assert.False(text.Contains(k, StringComparison.Ordinal), $"a TLS private key is in the {where}"));
            }

            // Redis: nothing without credentials, nothing but Orleans' commands with the agents' (read from their 0600
            // files into redis-cli's environment, never its arguments), bound to the head's address alone.
            var cli = $"cd {head.Home}/.hyc/clusters/lab && redis-cli -h {head.Address} -p 6379";
            var anonymous = NetnsLab.AsUser(head, $"{cli} PING");
            Assert.True(anonymous.Output.Contains("NOAUTH", StringComparison.Ordinal) && !anonymous.Output.Contains("PONG", StringComparison.Ordinal), anonymous.Output);
            var agents = $"cd {head.Home}/.hyc/clusters/lab && REDISCLI_AUTH=$(cat redis.password) redis-cli -h {head.Address} -p 6379 --user $(cat redis.user)";
            Assert.Contains("PONG", NetnsLab.AsUser(head, $"{agents} PING").Output, StringComparison.Ordinal);
            var config = NetnsLab.AsUser(head, $"{agents} CONFIG GET dir");
            Assert.True(config.Output.Contains("NOPERM", StringComparison.Ordinal), config.Output);
            var redisListens = NetnsLab.Run("ip", ["netns", "exec", head.Namespace, "cat", "/proc/net/tcp"]).Output.Split('\n')
                .Where(l => l.Contains(":18EB ", StringComparison.Ordinal) && l.Contains(" 0A ", StringComparison.Ordinal)).ToList();
            Assert.True(redisListens.Count > 0 && redisListens.All(l => !l.Contains(" 00000000:18EB ", StringComparison.Ordinal)), "Redis listens on 0.0.0.0: " + string.Join("; ", redisListens));

            // The agents run as the listed users, and each host's ~/.ssh/config starts with the cluster's block.
            Assert.All(lab.Hosts, h => Assert.Contains("hyc.dll agent", NetnsLab.Run("ps", ["-u", h.User, "-o", "args="]).Output, StringComparison.Ordinal));
            Assert.All(lab.Hosts, h => Assert.StartsWith("# >>> hyc cluster lab ", File.ReadAllText(Path.Combine(h.Home, ".ssh", "config")), StringComparison.Ordinal));

            // Every host's logs, each line with its host; and a debug bundle of all of it that holds none of the secrets.
            var logsOut = await Hyc(outputs, ["logs", "--cluster", "lab"]);
            Assert.True(logsOut.ExitCode == 0, logsOut.ToString());
            Assert.All(lab.Hosts, h => Assert.Contains($"{h.Address} agent| ", logsOut.Stdout, StringComparison.Ordinal));
            var unknown = await Hyc(outputs, ["logs", "--cluster", "lab", "--node", "10.9.9.9"]);
            Assert.True(unknown.ExitCode == 2 && unknown.Stderr.Contains("its nodes: ", StringComparison.Ordinal), unknown.ToString());
            var bundlePath = Path.Combine(_home.Path, "debug.tar.gz");
            var bundle = await Hyc(outputs, ["debug-bundle", "--cluster", "lab", "-o", bundlePath]);
            Assert.True(bundle.ExitCode == 0, bundle.ToString());
            var bundleText = ReadTarGz(bundlePath);
            Assert.Contains("/status.json\n", bundleText, StringComparison.Ordinal);
            Assert.Contains("/preflight.json\n", bundleText, StringComparison.Ordinal);
            Assert.Contains($"/hosts/{head.Address}/agent.log\n", bundleText, StringComparison.Ordinal);
            Assert.Contains($"/hosts/{head.Address}/serve-tiny.log\n", bundleText, StringComparison.Ordinal);
            Assert.False(bundleText.Contains(password, StringComparison.Ordinal), "the Redis password is in the debug bundle");
            Assert.False(bundleText.Contains(keyBody, StringComparison.Ordinal), "the cluster's private key is in the debug bundle");
            Assert.False(bundleText.Contains(lab.Password, StringComparison.Ordinal), "the SSH password is in the debug bundle");
            Assert.False(bundleText.Contains(apiKey, StringComparison.Ordinal), "the endpoint's API key is in the debug bundle");

            // Again, with nothing to do: no flag needed for the host keys, nothing changes, and it says so.
            var again = await Hyc(outputs, ["up", hostsYaml, .. common]);
            Assert.True(again.ExitCode == 0, again.ToString());
            Assert.False(again.Json().GetProperty("changed").GetBoolean(), again.ToString());
            Assert.True(again.Json().GetProperty("hosts").EnumerateArray().All(h => h.GetProperty("agent").GetString() == "running"), again.ToString());
            Assert.Contains("no changes", again.Stderr, StringComparison.Ordinal);

            // Another `up` or `down` (here a stand-in holding the same flock on the head) makes this one wait a bounded
            // time, then fail naming the host; nothing is started or stopped meanwhile.
            var lockFile = Path.Combine(head.Home, ".hyc", "clusters", "lab", "hyc.lock");
            using (var holder = System.Diagnostics.Process.Start("ip", ["netns", "exec", head.Namespace, "runuser", "-u", head.User, "--", "flock", lockFile, "sleep", "120"]))
            {
                try
                {
                    await Until(() => NetnsLab.Run("ps", ["-u", head.User, "-o", "args="]).Output, o => o.Contains("flock " + lockFile, StringComparison.Ordinal));
                    var locked = await Hyc(outputs, ["up", hostsYaml, .. common]);
                    Assert.True(locked.ExitCode != 0, locked.ToString());
                    Assert.Contains($"{head.Address}: another `hyc up` or `hyc down` of cluster 'lab' holds its lock on this host", locked.Stderr, StringComparison.Ordinal);
                    Assert.True(locked.Json().GetProperty("hosts").EnumerateArray().All(h => h.GetProperty("agent").GetString() != "restarted"), locked.ToString());
                }
                finally
                {
                    holder.Kill(entireProcessTree: true);
                    holder.WaitForExit(10_000);
                }
            }

            // A host presenting another key is refused, loudly, and named; the others are still fine.
            var third = lab.Hosts[2];
            lab.RestartSshd(third, ClusterKey.Generate("impostor"));
            var changed = await Hyc(outputs, ["up", hostsYaml, "--accept-new-host-keys", .. common]);
            Assert.True(changed.ExitCode == 12, changed.ToString());
            Assert.Contains("HOST KEY CHANGED", changed.Stderr, StringComparison.Ordinal);
            var hosts = changed.Json().GetProperty("hosts").EnumerateArray().ToList();
            Assert.True(hosts.Count(h => h.GetProperty("state").GetString() == "failed") == 1, changed.ToString());
            Assert.Equal(third.Address, hosts.Single(h => h.GetProperty("state").GetString() == "failed").GetProperty("address").GetString());
            Assert.True(hosts.Count(h => h.GetProperty("state").GetString() == "alive") == 2, changed.ToString());
            lab.RestartSshd(third, third.HostKey);

            // A host whose agent died is converged by the next `up`, which touches nothing else.
            NetnsLab.Run("pkill", ["-KILL", "-u", third.User, "-f", "hyc.dll agent"]);
            var repaired = await Hyc(outputs, ["up", hostsYaml, .. common]);
            Assert.True(repaired.ExitCode == 0, repaired.ToString());
            Assert.True(repaired.Json().GetProperty("hosts").EnumerateArray().Select(h => h.GetProperty("agent").GetString()).SequenceEqual(["running", "running", "started"]), repaired.ToString());
            Assert.True(repaired.Json().GetProperty("hosts").EnumerateArray().All(h => h.GetProperty("state").GetString() == "alive"), repaired.ToString());

            // `up --rotate-certs`: a roll. The workers' agents first, one at a time, each only after the one before is
            // back as a new silo, then the head's; the endpoint started again with the head's new certificate; at the
            // end every host's ca.pem trusts the new CA alone, so the old CA's client certificate is refused.
            var tlsDir = Path.Combine(_home.Path, "clusters", "lab", "tls");
            var oldCa = File.ReadAllText(Path.Combine(tlsDir, "ca.pem"));
            var oldClient = Path.Combine(lab.Directory, "old-client");
            Directory.CreateDirectory(oldClient);
            File.Copy(Path.Combine(tlsDir, "client.pem"), Path.Combine(oldClient, "client.pem"));
            File.Copy(Path.Combine(tlsDir, "client.key"), Path.Combine(oldClient, "client.key"));
            var rotated = await HycRunner.InNamespace(lab.Control, Env, TimeSpan.FromMinutes(10), ["up", hostsYaml, "--rotate-certs", .. common]);
            outputs.Add(rotated);
            Assert.True(rotated.ExitCode == 0, rotated.ToString());
            Assert.True(rotated.Json().GetProperty("changed").GetBoolean(), rotated.ToString());
            var order = new[] { lab.Hosts[1], lab.Hosts[2], lab.Hosts[0] };
            var at = 0;
            for (var k = 0; k < order.Length; k++)
            {
                var restarting = rotated.Stderr.IndexOf($"[{order[k].Address}] certificate rotation, step 2/3 ({k + 1}/3): restarting", StringComparison.Ordinal);
                var rejoined = rotated.Stderr.IndexOf($"[{order[k].Address}] rejoined with its new certificate", StringComparison.Ordinal);
                Assert.True(restarting > at && rejoined > restarting, $"step {k + 1} ({order[k].Address}) out of order: {rotated.Stderr}");
                at = rejoined;
                Assert.Single(System.Text.RegularExpressions.Regex.Matches(rotated.Stderr, $@"\[{System.Text.RegularExpressions.Regex.Escape(order[k].Address)}\] agent restarted"));
            }

            Assert.True(rotated.Stderr.IndexOf("starting the OpenAI endpoint for tiny", StringComparison.Ordinal) > at, rotated.Stderr);
            Assert.Contains("certificate rotation complete", rotated.Stderr, StringComparison.Ordinal);
            var newCa = File.ReadAllText(Path.Combine(tlsDir, "ca.pem"));
            Assert.NotEqual(oldCa, newCa);
            Assert.Single(Hunyuan.Engine.Security.ClusterTrustBundle.Parse(newCa));
            Assert.All(lab.Hosts, h => Assert.Equal(newCa, File.ReadAllText(Path.Combine(h.Home, ".hyc", "clusters", "lab", "tls", "ca.pem"))));

            // The old client certificate, its side trusting both CAs: it takes the servers' new certificates, and they refuse it.
            File.WriteAllText(Path.Combine(oldClient, "ca.pem"), newCa + oldCa);
            var refusedOld = await Hyc(outputs, ["status", "--cluster", "lab", "--tls-dir", oldClient, "--connect-timeout", "10"]);
            Assert.True(refusedOld.ExitCode == 10, refusedOld.ToString());
            Assert.Contains("refused", refusedOld.Stderr, StringComparison.Ordinal);
            var afterRotation = await Hyc(outputs, ["status", "--cluster", "lab", "--json"]);
            Assert.True(afterRotation.ExitCode == 0, afterRotation.ToString());
            Assert.Equal(3, afterRotation.Json().GetProperty("nodes").EnumerateArray().Count(n => n.GetProperty("state").GetString() == "alive"));
            using (var http = lab.ControlHttpClient())
            {
                var chat = new ChatClient("tiny", new ApiKeyCredential(apiKey), new OpenAIClientOptions { Endpoint = new Uri($"http://{lab.Hosts[0].Address}:8000/v1"), Transport = new HttpClientPipelineTransport(http) });
                var served = (await chat.CompleteChatAsync([new UserChatMessage("Hello")], new ChatCompletionOptions { MaxOutputTokenCount = 4 })).Value;
                Assert.InRange(served.Usage.OutputTokenCount, 1, 4);
            }

            // `undeploy`: the endpoint stops on the head and the key file handed to it goes; the cluster forgets the
            // deployment; a new deploy under the same name serves again (and `down` below stops its endpoint).
            var undeploy = await Hyc(outputs, ["undeploy", "tiny", "--cluster", "lab", "--json"]);
            Assert.True(undeploy.ExitCode == 0, undeploy.ToString());
            Assert.True(undeploy.Json().GetProperty("removed").GetBoolean() && undeploy.Json().GetProperty("endpoint_stopped").GetBoolean(), undeploy.ToString());
            Assert.False(File.Exists(Path.Combine(head.Home, ".hyc", "clusters", "lab", "api-key-serve-tiny")), "the endpoint's key file is left on the head");
            Assert.DoesNotContain("serve --deployment tiny", NetnsLab.Run("ps", ["-u", head.User, "-o", "args="]).Output, StringComparison.Ordinal);
            var undeployed = await Hyc(outputs, ["status", "--cluster", "lab", "--json"]);
            Assert.True(undeployed.ExitCode == 0, undeployed.ToString());
            Assert.Empty(undeployed.Json().GetProperty("deployments").EnumerateArray());
            var redeploy = await Hyc(outputs, ["deploy", model, "--cluster", "lab", "--tp", "2", "--pp", "2", "--timeout", "180"]);
            Assert.True(redeploy.ExitCode == 0, redeploy.ToString());
            Assert.Contains($"OpenAI endpoint ready: http://{lab.Hosts[0].Address}:8000/v1", redeploy.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            var down = await Hyc(outputs, ["down", hostsYaml, "--json"]);
            Assert.True(down.ExitCode == 0, down.ToString());
            Assert.Contains("stopped the endpoint tiny", down.Stderr, StringComparison.Ordinal);
        }

        // Nothing of the cluster runs any more (sshd's session processes for hyc's own connections end with them).
        var left = await Until(() => lab.UserProcesses(), p => p.Length == 0);
        Assert.True(left.Length == 0, "still running: " + string.Join("; ", left));

        var purge = await Hyc(outputs, ["down", hostsYaml, "--purge", "--json"]);
        Assert.True(purge.ExitCode == 0, purge.ToString());
        Assert.All(lab.Hosts, h =>
        {
            var agents = Path.Combine(h.Home, ".hyc", "agents");
            Assert.False(Directory.Exists(agents), "purge removes the agent; left: " + (Directory.Exists(agents) ? string.Join(", ", Directory.EnumerateFileSystemEntries(agents)) : "") + "; purge said: " + purge.Stdout);
            Assert.False(File.Exists(Path.Combine(h.Home, ".ssh", "hyc_lab_ed25519")), "purge removes the cluster key");
            Assert.False(File.Exists(Path.Combine(h.Home, ".ssh", "hyc_lab_known_hosts")), "purge removes the cluster's known_hosts");
            Assert.DoesNotContain("hyc cluster lab", File.ReadAllText(Path.Combine(h.Home, ".ssh", "config")), StringComparison.Ordinal);
            Assert.Equal(h.Index == 2 ? [] : [lab.OperatorKey.AuthorizedKeysLine], File.ReadAllLines(Path.Combine(h.Home, ".ssh", "authorized_keys")));
        });
        Assert.False(File.Exists(Path.Combine(_home.Path, "clusters", "lab", "cluster_ed25519")));

        var twice = await Hyc(outputs, ["down", hostsYaml, "--json"]);
        Assert.True(twice.ExitCode == 0, twice.ToString());
        Assert.False(twice.Json().GetProperty("changed").GetBoolean(), twice.ToString());

        async Task<HycResult> Hyc(List<HycResult> log, string[] args)
        {
            var r = await HycRunner.InNamespace(lab.Control, Env, TimeSpan.FromMinutes(6), args);
            log.Add(r);
            return r;
        }
    }

    public void Dispose() => _home.Dispose();

    /// <summary>Every entry of a tar.gz as "=== NAME\n" then its text.</summary>
    private static string ReadTarGz(string path)
    {
        var text = new System.Text.StringBuilder();
        using var file = File.OpenRead(path);
        using var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress);
        using var tar = new System.Formats.Tar.TarReader(gzip);
        while (tar.GetNextEntry() is { } entry)
        {
            text.Append("=== ").Append(entry.Name).Append('\n');
            using var reader = new StreamReader(entry.DataStream!);
            text.Append(reader.ReadToEnd()).Append('\n');
        }

        return text.ToString();
    }

    private static string TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path).Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static async Task<T> Until<T>(Func<T> read, Func<T, bool> done)
    {
        var value = read();
        for (var i = 0; i < 50 && !done(value); i++)
        {
            await Task.Delay(200);
            value = read();
        }

        return value;
    }
}
