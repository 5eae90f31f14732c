// Package redistest starts a real Sentinel cluster of redis-server and
// redis-sentinel processes on loopback for tests: free ports, one directory
// per process, configs rendered by the project's own renderers, readiness by
// authenticated PING, and cleanup that waits for every process to exit.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/components/render"
	"github.com/platform-team/redis-sentinel/internal/testenv"
	"github.com/platform-team/redis-sentinel/verify"
)

// Options shape the cluster; zero values take the project defaults except
// DownAfterMilliseconds (1000 here: tests want fast failovers).
type Options struct {
	Replicas              int
	Sentinels             int
	DownAfterMilliseconds int
	MinReplicasToWrite    int
	// ACL turns on Redis ACL users (cluster.Spec.ACL).
	ACL bool
	// TLS serves every process on TLS only (cluster.Spec.TLS).
	TLS bool
	// AppendFsync is the data nodes' appendfsync (default everysec).
	AppendFsync string
	// AppScripting lets the app user run Lua (cluster.Spec.AppScripting).
	AppScripting bool
}

// Cluster is a running native cluster.
type Cluster struct {
	Spec   cluster.Spec
	Layout cluster.Layout
	// TLSFiles are the stack's certificates when TLS is on.
	TLSFiles  render.TLSFiles
	tlsSource string // where they are "delivered", like /run/redis-sentinel
	t         testing.TB
	dir       string
	nodes     []*process
	sents     []*process
}

type process struct {
	name string
	args []string
	addr string
	cmd  *exec.Cmd
}

// Start starts and waits for a cluster whose sentinels all see the master.
func Start(t testing.TB, o Options) *Cluster {
	t.Helper()
	for _, bin := range []string{"redis-server", "redis-sentinel"} {
		if _, err := exec.LookPath(bin); err != nil {
			testenv.Missing(t, "%s not installed (apt-get install redis-server redis-sentinel)", bin)
		}
	}
	if o.DownAfterMilliseconds == 0 {
		o.DownAfterMilliseconds = 1000
	}
	spec := cluster.SetDefaults(cluster.Spec{
		Name: "native", Replicas: o.Replicas, Sentinels: o.Sentinels, Password: "native-" + randomHex(12),
		Timers:       cluster.Timers{DownAfterMilliseconds: o.DownAfterMilliseconds, FailoverTimeoutMilliseconds: 10000},
		WriteSafety:  cluster.WriteSafety{MinReplicasToWrite: o.MinReplicasToWrite},
		ACL:          o.ACL,
		AppScripting: o.AppScripting,
		TLS:          o.TLS,
		Persistence:  cluster.Persistence{AppendFsync: o.AppendFsync},
	}, "test")
	c := &Cluster{Spec: spec, t: t, dir: t.TempDir()}
	for range spec.DataNodeCount() {
		c.Layout.Nodes = append(c.Layout.Nodes, cluster.Endpoint{Host: "127.0.0.1", Port: freePort(t)})
	}
	for range spec.Sentinels {
		c.Layout.Sentinels = append(c.Layout.Sentinels, cluster.Endpoint{Host: "127.0.0.1", Port: freePort(t)})
	}
	t.Cleanup(c.stopAll)
	var err error
	if c.TLSFiles, err = render.TLSFor(spec, c.Layout); err != nil {
		t.Fatal(err)
	}
	c.tlsSource = filepath.Join(c.dir, "tls-delivered")
	for name, content := range map[string]string{"ca.crt": c.TLSFiles.CACert, "tls.crt": c.TLSFiles.Cert, "tls.key": c.TLSFiles.Key} {
		c.writeFile(c.tlsSource, name, content)
	}
	// Every node at once, as a platform starts them: a node named master
	// waits for its peers to answer before it serves (render's master guard).
	for i := range spec.DataNodeCount() {
		c.nodes = append(c.nodes, c.startNode(i))
	}
	for _, n := range c.nodes {
		c.waitPing(n)
	}
	for i := range spec.Sentinels {
		c.sents = append(c.sents, c.startSentinel(i))
	}
	c.applyLiveSettings()
	c.waitDiscovered()
	return c
}

// startNode starts node i the way containers do, without waiting for it:
// through the rendered start script, which picks the node's role and then
// execs redis-server on the node's own port and directory (all nodes share
// one host here).
func (c *Cluster) startNode(i int) *process {
	dir := filepath.Join(c.dir, c.Spec.NodeName(i))
	// The rendered config targets a container's /data; here each node has its own dir.
	bootstrap := strings.Replace(render.RedisConf(c.Spec, c.Layout, i), "\ndir "+cluster.DataDir+"\n", "\ndir "+dir+"\n", 1)
	paths := render.StartPaths{
		BootstrapConf: c.writeFile(dir, "bootstrap.conf", bootstrap),
		Conf:          filepath.Join(dir, "redis.conf"),
		DataDir:       dir,
		PasswordFile:  c.writeFile(dir, "password", c.Spec.Password),
		AuthConf:      c.writeFile(dir, "auth.conf", render.RedisAuthConf(c.Spec)),
		Exec:          `redis-server "$conf" ` + c.portArgs(c.Layout.Nodes[i].Port),
		TLSSource:     c.tlsSource,
		TLSDir:        filepath.Join(dir, cluster.TLSDirName),
	}
	script := c.writeFile(dir, "start.sh", render.StartScript(c.Spec, c.Layout, i, paths))
	p := &process{name: c.Spec.NodeName(i), addr: c.Layout.Nodes[i].String(), args: []string{"sh", script}}
	if err := c.start(p); err != nil {
		c.t.Fatal(err)
	}
	return p
}

func (c *Cluster) startSentinel(i int) *process {
	dir := filepath.Join(c.dir, c.Spec.SentinelName(i))
	conf := c.writeFile(dir, "sentinel.conf", render.SentinelConf(c.Spec, c.Layout, i)+render.SentinelAuthConf(c.Spec))
	if c.Spec.TLS { // what the sentinel start script does in a container
		for _, name := range []string{"ca.crt", "tls.crt", "tls.key"} {
			data, _ := os.ReadFile(filepath.Join(c.tlsSource, name))
			c.writeFile(filepath.Join(dir, cluster.TLSDirName), name, string(data))
		}
	}
	args := append([]string{"redis-sentinel", conf}, strings.Fields(c.portArgs(c.Layout.Sentinels[i].Port))...)
	p := &process{name: c.Spec.SentinelName(i), addr: c.Layout.Sentinels[i].String(), args: append(args, "--dir", dir)}
	c.run(p)
	return p
}

// run starts p and waits until it answers PING.
func (c *Cluster) run(p *process) {
	c.t.Helper()
	if err := c.start(p); err != nil {
		c.t.Fatal(err)
	}
	c.waitPing(p)
}

// start starts p, its output appended to its log.
func (c *Cluster) start(p *process) error {
	p.cmd = exec.Command(p.args[0], p.args[1:]...)
	log, err := os.OpenFile(filepath.Join(c.dir, p.name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	p.cmd.Stdout, p.cmd.Stderr = log, log
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	return nil
}

func (c *Cluster) waitPing(p *process) {
	c.t.Helper()
	opts := c.clientOptions(p.addr)
	opts.MaxRetries = -1
	client := redis.NewClient(opts)
	defer client.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := client.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(c.dir, p.name+".log"))
			c.t.Fatalf("%s at %s not answering PING: %v; its log:\n%s", p.name, p.addr, err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// applyLiveSettings does what the platforms' settings job does, through go-redis.
func (c *Cluster) applyLiveSettings() {
	c.t.Helper()
	ctx := context.Background()
	t, w := c.Spec.Timers, c.Spec.WriteSafety
	for _, n := range c.nodes {
		cl := redis.NewClient(c.clientOptions(n.addr))
		err := cl.ConfigSet(ctx, "min-replicas-to-write", strconv.Itoa(w.MinReplicasToWrite)).Err()
		_ = cl.Close()
		if err != nil {
			c.t.Fatalf("%s: config set: %v", n.name, err)
		}
	}
	for _, s := range c.sents {
		sc := redis.NewSentinelClient(c.clientOptions(s.addr))
		for opt, v := range map[string]int{"down-after-milliseconds": t.DownAfterMilliseconds, "failover-timeout": t.FailoverTimeoutMilliseconds, "parallel-syncs": t.ParallelSyncs} {
			if err := sc.Set(ctx, c.Spec.MasterName, opt, strconv.Itoa(v)).Err(); err != nil {
				c.t.Fatalf("%s: sentinel set %s: %v", s.name, opt, err)
			}
		}
		_ = sc.Close()
	}
}

// waitDiscovered waits until the health checks pass: every sentinel knows the
// others and the replicas.
func (c *Cluster) waitDiscovered() {
	c.t.Helper()
	checker, err := verify.NewChecker(c.Target())
	if err != nil {
		c.t.Fatal(err)
	}
	defer checker.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := checker.Check(context.Background())
		if r.Passed() {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("native cluster never became healthy: %v", r.Failed())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// portArgs make a process listen on port: in plaintext, or with TLS only.
func (c *Cluster) portArgs(port int) string {
	if c.Spec.TLS {
		return fmt.Sprintf("--port 0 --tls-port %d", port)
	}
	return fmt.Sprintf("--port %d", port)
}

// clientOptions are go-redis options for one process, as the tooling connects.
func (c *Cluster) clientOptions(addr string) *redis.Options {
	return &redis.Options{Addr: addr, Username: c.adminUser(), Password: c.Spec.Password, Dialer: c.Target().EffectiveDialer()}
}

// adminUser is who the tooling authenticates as.
func (c *Cluster) adminUser() string { return string(c.Spec.AdminUser()) }

// Target is the verifier's view of this cluster, with the stack-like expectations.
func (c *Cluster) Target() verify.Target {
	timers := c.Spec.Timers
	var nodes []string
	for _, n := range c.Layout.Nodes {
		nodes = append(nodes, n.String())
	}
	t := verify.Target{
		Sentinels: c.Layout.SentinelAddrs(), MasterName: c.Spec.MasterName,
		Username: c.adminUser(), Password: c.Spec.Password,
		Nodes: nodes, Expect: verify.Expectations{Replicas: c.Spec.Replicas, Timers: &timers},
	}
	if c.Spec.TLS {
		cfg, err := verify.TLSConfigFromPEM(c.TLSFiles.CACert)
		if err != nil {
			c.t.Fatal(err)
		}
		t.TLS = cfg
	}
	return t
}

// Crash implements verify.Faults: SIGKILL the node announced at addr.
func (c *Cluster) Crash(_ context.Context, addr string) error {
	i, err := c.nodeIndex(addr)
	if err == nil {
		c.KillNode(i)
	}
	return err
}

// Recover implements verify.Faults: start the node at addr again, without
// waiting for it to answer (its start script may hold it back).
func (c *Cluster) Recover(_ context.Context, addr string) error {
	i, err := c.nodeIndex(addr)
	if err == nil {
		err = c.start(c.nodes[i])
	}
	return err
}

// CrashRestart implements verify.RestartFaults: SIGKILL the node at addr and
// start it again at once.
func (c *Cluster) CrashRestart(ctx context.Context, addr string) error {
	if err := c.Crash(ctx, addr); err != nil {
		return err
	}
	return c.Recover(ctx, addr)
}

// LoseData implements verify.DataLossFaults: SIGKILL the node at addr, delete
// everything it persisted (AOF, RDB, its rewritten config: what a container
// keeps on its volume) and start it again on the empty directory.
func (c *Cluster) LoseData(_ context.Context, addr string) error {
	i, err := c.nodeIndex(addr)
	if err != nil {
		return err
	}
	c.KillNode(i)
	dir := filepath.Join(c.dir, c.Spec.NodeName(i))
	for _, name := range []string{"appendonlydir", "dump.rdb", "redis.conf"} {
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("%s: lose data: %w", c.Spec.NodeName(i), err)
		}
	}
	return c.start(c.nodes[i])
}

// Write sets key through the master and waits until every replica has it.
func (c *Cluster) Write(key, value string) {
	c.t.Helper()
	c.onMaster(func(ctx context.Context, cl *redis.Client) error { return cl.Set(ctx, key, value, 0).Err() })
}

// FlushAll empties the dataset through the master (the health checks leave
// short-lived keys behind), for tests that need no data anywhere.
func (c *Cluster) FlushAll() {
	c.t.Helper()
	c.onMaster(func(ctx context.Context, cl *redis.Client) error { return cl.FlushAll(ctx).Err() })
}

// onMaster runs write on the initial master, then waits (WAIT) until every
// replica has it.
func (c *Cluster) onMaster(write func(context.Context, *redis.Client) error) {
	c.t.Helper()
	opts := c.clientOptions(c.Layout.Nodes[cluster.InitialMaster].String())
	opts.ReadTimeout = 6 * time.Second
	cl := redis.NewClient(opts)
	defer cl.Close()
	ctx := context.Background()
	if err := write(ctx, cl); err != nil {
		c.t.Fatalf("on the master: %v", err)
	}
	if got, err := cl.Do(ctx, "WAIT", c.Spec.Replicas, 5000).Int(); err != nil || got < c.Spec.Replicas {
		c.t.Fatalf("WAIT %d: %d replicas acknowledged (%v)", c.Spec.Replicas, got, err)
	}
}

// NodeLog is what data node i's start script and server printed so far.
func (c *Cluster) NodeLog(i int) string {
	data, _ := os.ReadFile(filepath.Join(c.dir, c.Spec.NodeName(i)+".log"))
	return string(data)
}

func (c *Cluster) nodeIndex(addr string) (int, error) {
	for i, n := range c.Layout.Nodes {
		if n.String() == addr {
			return i, nil
		}
	}
	return 0, fmt.Errorf("no data node at %s", addr)
}

// KillNode SIGKILLs data node i (a crash).
func (c *Cluster) KillNode(i int) { c.kill(c.nodes[i]) }

// KillSentinel SIGKILLs sentinel i.
func (c *Cluster) KillSentinel(i int) { c.kill(c.sents[i]) }

// RestartNode starts data node i again with its (possibly rewritten) config.
func (c *Cluster) RestartNode(i int) { c.run(c.nodes[i]) }

func (c *Cluster) kill(p *process) {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
	p.cmd = nil
}

func (c *Cluster) stopAll() {
	for _, p := range append(append([]*process{}, c.sents...), c.nodes...) {
		c.kill(p)
	}
}

func (c *Cluster) writeFile(dir, name, content string) string {
	c.t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		c.t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		c.t.Fatal(err)
	}
	return path
}

func freePort(t testing.TB) int {
	t.Helper()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("free port: %v", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if _, taken := handedOut.LoadOrStore(port, true); !taken {
			return port
		}
	}
}

// handedOut are the ports freePort has returned in this process. The kernel
// may offer a port again once its probe listener is closed, before the
// process it was meant for binds it: two processes of one cluster (or of
// parallel tests) would then share a port, and a sentinel's PING would be
// answered by a data node.
var handedOut sync.Map

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
