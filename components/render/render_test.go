package render

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

var update = flag.Bool("update", false, "rewrite golden files")

// goldenPassword exercises config quoting: a double quote and a trailing backslash.
const goldenPassword = "golden-Passw0rd-\"quoted\\"

func goldenSpec(t *testing.T, mode cluster.Mode) (cluster.Spec, cluster.Layout) {
	t.Helper()
	s := cluster.SetDefaults(cluster.Spec{Mode: mode, Password: goldenPassword}, "golden")
	if err := cluster.Validate(s); err != nil {
		t.Fatalf("golden spec is invalid: %v", err)
	}
	l, err := cluster.DockerLayout(s)
	if err != nil {
		t.Fatal(err)
	}
	return s, l
}

// hostnameLayout is a Kubernetes-style layout that announces DNS names.
func hostnameLayout(s cluster.Spec) cluster.Layout {
	var l cluster.Layout
	for i := range s.DataNodeCount() {
		host := fmt.Sprintf("redis-node-%d.redis-headless.ns.svc.cluster.local", i)
		l.Nodes = append(l.Nodes, cluster.Endpoint{Host: host, Port: s.Ports.Redis})
	}
	for i := range s.Sentinels {
		host := fmt.Sprintf("redis-sentinel-%d.redis-sentinel-headless.ns.svc.cluster.local", i)
		l.Sentinels = append(l.Sentinels, cluster.Endpoint{Host: host, Port: s.Ports.Sentinel})
	}
	return l
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `go test ./components/render -update` to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s (rerun with -update if the change is intended)\n--- got ---\n%s--- want ---\n%s", name, path, got, want)
	}
}

func TestRender_Golden(t *testing.T) {
	s, l := goldenSpec(t, cluster.ModeSentinel)
	standalone, standaloneLayout := goldenSpec(t, cluster.ModeStandalone)
	hosts := hostnameLayout(s)
	tests := []struct {
		name string
		got  string
	}{
		{"redis-node-0.conf", RedisConf(s, l, 0)},
		{"redis-node-1.conf", RedisConf(s, l, 1)},
		{"sentinel-0.conf", SentinelConf(s, l, 0)},
		{"apply-settings.sh", SettingsScript(s, l)},
		{"healthcheck-6379.sh", HealthcheckScript(s, 6379)},
		{"redis-standalone.conf", RedisConf(standalone, standaloneLayout, 0)},
		{"apply-settings-standalone.sh", SettingsScript(standalone, standaloneLayout)},
		{"redis-node-1-hostnames.conf", RedisConf(s, hosts, 1)},
		{"sentinel-1-hostnames.conf", SentinelConf(s, hosts, 1)},
		{"start-node-1.sh", StartScript(s, l, 1, ContainerStartPaths)},
		{"start-standalone.sh", StartScript(standalone, standaloneLayout, 0, ContainerStartPaths)},
		{"start-sentinel-1.sh", SentinelStartScript(s, l, 1, ContainerSentinelStartPaths)},
		{"redis-auth.conf", RedisAuthConf(s)},
		{"pre-stop-node-0-hostnames.sh", PreStopScript(s, hosts, 0, ContainerStartPaths)},
		{"sentinel-auth.conf", SentinelAuthConf(s)},
		{"redis-auth-acl.conf", RedisAuthConf(withACL(s))},
		{"sentinel-auth-acl.conf", SentinelAuthConf(withACL(s))},
		{"redis-node-1-tls.conf", RedisConf(withTLS(s), l, 1)},
		{"sentinel-0-tls.conf", SentinelConf(withTLS(s), l, 0)},
		{"start-node-1-tls.sh", StartScript(withTLS(s), l, 1, ContainerStartPaths)},
		{"monitor-target.json", MonitorTarget(s, l)},
		{"monitor-target-acl-tls.json", MonitorTarget(withTLS(withACL(s)), l)},
		{"monitor-target-standalone.json", MonitorTarget(standalone, standaloneLayout)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkGolden(t, tt.name, tt.got) })
	}
}

func withACL(s cluster.Spec) cluster.Spec {
	s.ACL = true
	return s
}

func withTLS(s cluster.Spec) cluster.Spec {
	s.TLS = true
	return s
}

func TestConfQuote_EscapesForRedis(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", `"plain"`},
		{"", `""`},
		{`a"b`, `"a\"b"`},
		{`a\b`, `"a\\b"`},
		{"it's #not a comment", `"it's #not a comment"`},
		{"bell\x07tab\tdel\x7f", `"bell\x07tab\x09del\x7f"`},
		{"ünïcode", `"ünïcode"`},
	}
	for _, tt := range tests {
		if got := confQuote(tt.in); got != tt.want {
			t.Errorf("confQuote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestRedisConf_ReplicaOfInitialMaster(t *testing.T) {
	s, l := goldenSpec(t, cluster.ModeSentinel)
	for i := range s.DataNodeCount() {
		conf := RedisConf(s, l, i)
		hasReplicaOf := strings.Contains(conf, "replicaof")
		if i == cluster.InitialMaster {
			if hasReplicaOf {
				t.Errorf("node %d (initial master) conf has a replicaof line:\n%s", i, conf)
			}
			continue
		}
		if want := "\nreplicaof 172.28.0.1 16379\n"; !strings.Contains(conf, want) {
			t.Errorf("node %d conf lacks %q:\n%s", i, want, conf)
		}
		if want := fmt.Sprintf("\nreplica-announce-port %d\n", 16379+i); !strings.Contains(conf, want) {
			t.Errorf("node %d conf lacks %q", i, want)
		}
	}
	standalone, sl := goldenSpec(t, cluster.ModeStandalone)
	if conf := RedisConf(standalone, sl, 0); strings.Contains(conf, "replicaof") {
		t.Errorf("standalone conf has a replicaof line:\n%s", conf)
	}
}

func TestAuthConf_PasswordQuoted(t *testing.T) {
	s, _ := goldenSpec(t, cluster.ModeSentinel)
	quoted := `"golden-Passw0rd-\"quoted\\"`
	want := map[string][]string{
		RedisAuthConf(s): {"\nmasterauth " + quoted + "\n"},
		SentinelAuthConf(s): {
			"\nsentinel sentinel-pass " + quoted + "\n",
			"\nsentinel auth-pass mymaster " + quoted + "\n",
		},
	}
	// The clients' password itself is only ever stored hashed.
	for _, conf := range []string{RedisAuthConf(s), SentinelAuthConf(s)} {
		if want := "user default on " + cluster.PasswordHash(s.Password) + " ~* &* +@all\n"; !strings.HasPrefix(conf, want) {
			t.Errorf("auth fragment does not start with %q:\n%s", want, conf)
		}
	}
	for conf, lines := range want {
		for _, line := range lines {
			if !strings.Contains(conf, line) {
				t.Errorf("auth fragment lacks %q:\n%s", line, conf)
			}
		}
	}
}

// TestRender_PasswordOnlyInAuthFragments: configs and scripts are plain
// configuration (a ConfigMap on Kubernetes); only the auth fragments are secret.
func TestRender_PasswordOnlyInAuthFragments(t *testing.T) {
	s, l := goldenSpec(t, cluster.ModeSentinel)
	for name, text := range map[string]string{
		"node 0": RedisConf(s, l, 0), "node 1": RedisConf(s, l, 1), "sentinel 0": SentinelConf(s, l, 0),
		"start": StartScript(s, l, 1, ContainerStartPaths), "sentinel start": SentinelStartScript(s, l, 0, ContainerSentinelStartPaths),
		"settings": SettingsScript(s, l), "healthcheck": HealthcheckScript(s, 6379),
	} {
		if strings.Contains(text, "golden-Passw0rd") {
			t.Errorf("%s contains the password:\n%s", name, text)
		}
	}
}

func TestRedisConf_AppendOnly(t *testing.T) {
	off := false
	s := cluster.SetDefaults(cluster.Spec{Password: goldenPassword, Persistence: cluster.Persistence{AppendOnly: &off, AppendFsync: "always"}}, "golden")
	l, err := cluster.DockerLayout(s)
	if err != nil {
		t.Fatal(err)
	}
	conf := RedisConf(s, l, 0)
	for _, want := range []string{"\nappendonly no\n", "\nappendfsync always\n"} {
		if !strings.Contains(conf, want) {
			t.Errorf("conf lacks %q:\n%s", want, conf)
		}
	}
}

func TestSentinelConf_MonitorsInitialMaster(t *testing.T) {
	s, l := goldenSpec(t, cluster.ModeSentinel)
	for i := range s.Sentinels {
		conf := SentinelConf(s, l, i)
		for _, want := range []string{
			"\nsentinel monitor mymaster 172.28.0.1 16379 2\n",
			"\nsentinel announce-ip 172.28.0.1\n",
			fmt.Sprintf("\nsentinel announce-port %d\n", 36379+i),
			"\nport 26379\n",
		} {
			if !strings.Contains(conf, want) {
				t.Errorf("sentinel %d conf lacks %q:\n%s", i, want, conf)
			}
		}
		if strings.Contains(conf, "resolve-hostnames") || strings.Contains(conf, "announce-hostnames") {
			t.Errorf("sentinel %d conf enables hostnames for IP endpoints:\n%s", i, conf)
		}
	}
}

func TestSentinelConf_HostnamesResolvedBeforeMonitor(t *testing.T) {
	s, _ := goldenSpec(t, cluster.ModeSentinel)
	conf := SentinelConf(s, hostnameLayout(s), 0)
	resolve := strings.Index(conf, "\nsentinel resolve-hostnames yes\n")
	announce := strings.Index(conf, "\nsentinel announce-hostnames yes\n")
	monitor := strings.Index(conf, "\nsentinel monitor mymaster redis-node-0.redis-headless.ns.svc.cluster.local 6379 2\n")
	if resolve < 0 || announce < 0 || monitor < 0 {
		t.Fatalf("resolve/announce/monitor at %d/%d/%d, want all present:\n%s", resolve, announce, monitor, conf)
	}
	if resolve > monitor {
		t.Errorf("resolve-hostnames comes after sentinel monitor; Sentinel could not resolve the master:\n%s", conf)
	}
}

// TestRender_TimersOnlyInSettingsScript: tunables are applied live, so no
// bootstrap config may carry them (a change would otherwise restart processes).
func TestRender_TimersOnlyInSettingsScript(t *testing.T) {
	s := cluster.SetDefaults(cluster.Spec{
		Password:    goldenPassword,
		Timers:      cluster.Timers{DownAfterMilliseconds: 1234, FailoverTimeoutMilliseconds: 5678, ParallelSyncs: 2},
		WriteSafety: cluster.WriteSafety{MinReplicasToWrite: 1, MinReplicasMaxLagSeconds: 7},
	}, "golden")
	l, err := cluster.DockerLayout(s)
	if err != nil {
		t.Fatal(err)
	}
	tunables := []string{"down-after-milliseconds", "failover-timeout", "parallel-syncs", "min-replicas-to-write", "min-replicas-max-lag", "1234", "5678"}
	confs := map[string]string{"node 0": RedisConf(s, l, 0), "node 1": RedisConf(s, l, 1), "sentinel 0": SentinelConf(s, l, 0)}
	for name, conf := range confs {
		for _, tunable := range tunables {
			if strings.Contains(conf, tunable) {
				t.Errorf("%s conf contains %q; it must be applied live by SettingsScript:\n%s", name, tunable, conf)
			}
		}
	}
	script := SettingsScript(s, l)
	for _, n := range l.Nodes {
		want := fmt.Sprintf("\napply %s %d OK CONFIG SET min-replicas-to-write 1 min-replicas-max-lag 7\napply %s %d OK CONFIG REWRITE\n", n.Host, n.Port, n.Host, n.Port)
		if !strings.Contains(script, want) {
			t.Errorf("settings script lacks %q", want)
		}
	}
	for _, e := range l.Sentinels {
		want := fmt.Sprintf("\napply %s %d OK SENTINEL SET mymaster down-after-milliseconds 1234 failover-timeout 5678 parallel-syncs 2\n", e.Host, e.Port)
		if !strings.Contains(script, want) {
			t.Errorf("settings script lacks %q", want)
		}
	}
}

func TestSettingsScript_NeverContainsPassword(t *testing.T) {
	passwords := []string{goldenPassword, "a-strong-password-123", "plainpasswordvalue"}
	for _, pw := range passwords {
		for _, mode := range []cluster.Mode{cluster.ModeSentinel, cluster.ModeStandalone} {
			s := cluster.SetDefaults(cluster.Spec{Mode: mode, Password: pw}, "golden")
			l, err := cluster.DockerLayout(s)
			if err != nil {
				t.Fatal(err)
			}
			script := SettingsScript(s, l)
			if strings.Contains(script, pw) {
				t.Errorf("%s settings script contains the password %q", mode, pw)
			}
			if !strings.Contains(script, cluster.PasswordFilePath) {
				t.Errorf("%s settings script does not read %s", mode, cluster.PasswordFilePath)
			}
		}
	}
	s := cluster.SetDefaults(cluster.Spec{Password: goldenPassword}, "golden")
	if hc := HealthcheckScript(s, 26379); !strings.Contains(hc, "-p 26379 ") || !strings.Contains(hc, cluster.PasswordFilePath) {
		t.Errorf("HealthcheckScript(s, 26379) = %q, want port 26379 and the password file", hc)
	}
}

func TestSettingsScript_StandaloneAppliesNothing(t *testing.T) {
	s, l := goldenSpec(t, cluster.ModeStandalone)
	script := SettingsScript(s, l)
	for _, cmd := range []string{"CONFIG SET", "SENTINEL SET", "\napply "} {
		if strings.Contains(script, cmd) {
			t.Errorf("standalone settings script contains %q:\n%s", cmd, script)
		}
	}
}
