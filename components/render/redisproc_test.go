package render

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/testenv"
)

// TestRender_RealRedisAcceptsConfigs feeds the rendered redis.conf and
// sentinel.conf to a real redis-server: a master, a replica that must
// authenticate with masterauth, and a sentinel that must authenticate with
// auth-pass to discover the replica. It proves the quoting round-trips to the
// exact password, not just that the text looks right.
func TestRender_RealRedisAcceptsConfigs(t *testing.T) {
	server := redisServerOrSkip(t)
	deadline := time.Now().Add(4 * time.Second)

	ports := freePorts(t, 3)
	s := cluster.SetDefaults(cluster.Spec{Replicas: 1, Password: goldenPassword}, "golden")
	s.Ports = cluster.Ports{Redis: ports[0], Sentinel: ports[2]}
	if err := cluster.Validate(s); err != nil {
		t.Fatal(err)
	}
	l := cluster.Layout{
		Nodes:     []cluster.Endpoint{{Host: "127.0.0.1", Port: ports[0]}, {Host: "127.0.0.1", Port: ports[1]}},
		Sentinels: []cluster.Endpoint{{Host: "127.0.0.1", Port: ports[2]}},
	}

	for i := range l.Nodes {
		dir := t.TempDir()
		conf := RedisConf(s, l, i) + RedisAuthConf(s)
		if strings.Count(conf, "\ndir /data\n") != 1 {
			t.Fatalf("node %d conf has no single `dir /data` line to redirect:\n%s", i, conf)
		}
		// Redis chdirs while it reads `dir`, so the line itself must change.
		conf = strings.Replace(conf, "\ndir /data\n", "\ndir "+confQuote(dir)+"\n", 1)
		path := writeConf(t, dir, "redis.conf", conf)
		start(t, server, path, "--port", strconv.Itoa(ports[i]), "--bind", "127.0.0.1")
	}
	master := dialAuthed(t, ports[0], deadline)
	replica := dialAuthed(t, ports[1], deadline)
	if got := waitFor(t, replica, deadline, "master_link_status:up", "INFO", "replication"); !strings.Contains(got, "role:slave") {
		t.Errorf("node 1 INFO replication = %q, want role:slave", got)
	}
	if got := waitFor(t, master, deadline, "connected_slaves:1", "INFO", "replication"); !strings.Contains(got, "role:master") {
		t.Errorf("node 0 INFO replication = %q, want role:master", got)
	}

	dir := t.TempDir()
	path := writeConf(t, dir, "sentinel.conf", SentinelConf(s, l, 0)+SentinelAuthConf(s))
	start(t, server, path, "--sentinel", "--bind", "127.0.0.1")
	sentinel := dialAuthed(t, ports[2], deadline)
	// The replica is only learnt from the master's INFO, which needs auth-pass.
	waitFor(t, sentinel, deadline, "num-slaves=1", "SENTINEL", "MASTER", s.MasterName)
}

func redisServerOrSkip(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err == nil {
		return path
	}
	msg := fmt.Sprintf("redis-server not found (%v): the rendered configs were NOT checked against a real Redis; install redis-server (apt-get install redis-server)", err)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip("SKIPPING: " + msg)
	return ""
}

func writeConf(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// start runs redis-server with the config and stops it when the test ends,
// printing its log if the test failed.
func start(t *testing.T, server, conf string, args ...string) {
	t.Helper()
	var log testenv.SyncBuffer
	cmd := exec.Command(server, append([]string{conf}, args...)...)
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", conf, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("redis-server %s log:\n%s", conf, log.String())
		}
	})
}

// dialAuthed waits for the process to listen, checks it refuses unauthenticated
// and wrongly authenticated commands, then authenticates with the password.
func dialAuthed(t *testing.T, port int, deadline time.Time) *respConn {
	t.Helper()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	var conn net.Conn
	var err error
	for {
		if conn, err = net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never accepted connections: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(deadline.Add(time.Second))
	c := &respConn{w: conn, r: bufio.NewReader(conn)}
	if _, err := c.do("PING"); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Errorf("%s: unauthenticated PING error = %v, want NOAUTH", addr, err)
	}
	if _, err := c.do("AUTH", "golden-Passw0rd-quoted"); err == nil {
		t.Errorf("%s: AUTH with a wrong password succeeded", addr)
	}
	if _, err := c.do("AUTH", goldenPassword); err != nil {
		t.Fatalf("%s: AUTH with the configured password: %v", addr, err)
	}
	if got, err := c.do("PING"); err != nil || got != "PONG" {
		t.Fatalf("%s: PING = %v, %v; want PONG", addr, got, err)
	}
	return c
}

// waitFor repeats a command until its flattened reply contains want.
func waitFor(t *testing.T, c *respConn, deadline time.Time, want string, args ...string) string {
	t.Helper()
	for {
		reply, err := c.do(args...)
		got := flatten(reply)
		if err == nil && strings.Contains(got, want) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: reply never contained %q; last reply %q, error %v", strings.Join(args, " "), want, got, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// flatten renders a reply as text; arrays become key=value pairs when even.
func flatten(reply any) string {
	arr, ok := reply.([]any)
	if !ok {
		return fmt.Sprint(reply)
	}
	var parts []string
	for i := 0; i+1 < len(arr); i += 2 {
		parts = append(parts, fmt.Sprintf("%v=%v", arr[i], arr[i+1]))
	}
	return strings.Join(parts, " ")
}

// respConn is a minimal RESP2 client: enough for AUTH, PING, INFO, SENTINEL.
type respConn struct {
	w io.Writer
	r *bufio.Reader
}

func (c *respConn) do(args ...string) (any, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(c.w, b.String()); err != nil {
		return nil, err
	}
	return c.read()
}

func (c *respConn) read() (any, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return nil, errors.New("empty RESP line")
	}
	body := line[1:]
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return nil, errors.New(body)
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil {
			return nil, err
		}
		arr := make([]any, 0, max(n, 0))
		for range n {
			v, err := c.read()
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		return arr, nil
	}
	return nil, fmt.Errorf("unknown RESP reply %q", line)
}
