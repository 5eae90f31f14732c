// Package clients runs the client compatibility suite's programs: real client
// libraries in their own runtimes (go-redis, redis-py, ioredis, node-redis),
// each configured only from a stack's app contract (the REDIS_* environment).
//
// Every program speaks one line protocol. It connects, writes and reads 100
// keys through the master, reads one back through a replica, and prints
//
//	{"event":"ready","library":..,"runId":..,"role":"master","keys":100,"replicaRead":true,"replicaRole":"slave"}
//
// (runId and role: INFO of the node the client writes to). Then, on stdin,
// "write PHASE" starts a writer (SET every 10 ms; a write is acknowledged
// when the reply arrives) and prints {"event":"writing","phase":..}; "stop"
// stops it, reads every acknowledged key back through the master and prints
//
//	{"event":"result","phase":..,"acked":..,"failed":..,"lost":..,"longestGapMs":..,
//	 "firstLost":..,"lastLost":..,"lastAcked":..,"runId":..,"role":..}
//
// EOF on stdin ends the program; {"event":"error","error":..} reports a failure.
package clients

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/platform-team/redis-sentinel/internal/testenv"
)

// Event is one line a client program prints.
type Event struct {
	Event        string `json:"event"`
	Library      string `json:"library"`
	Discovered   string `json:"discovered"`
	RunID        string `json:"runId"`
	Role         string `json:"role"`
	Keys         int    `json:"keys"`
	ReplicaRead  bool   `json:"replicaRead"`
	ReplicaRole  string `json:"replicaRole"`
	Phase        string `json:"phase"`
	Acked        int    `json:"acked"`
	Failed       int    `json:"failed"`
	Lost         int    `json:"lost"`
	LongestGapMs int64  `json:"longestGapMs"`
	// FirstLost and LastLost are the first and last lost write's sequence
	// number (-1: none), LastAcked the last acknowledged one: when the loss happened.
	FirstLost int `json:"firstLost"`
	LastLost  int `json:"lastLost"`
	LastAcked int `json:"lastAcked"`
	// Errors counts the writer's failures by message (digits dropped).
	Errors map[string]int `json:"errors"`
	Error  string         `json:"error"`
}

// LongestGap is the writer's longest time without an acknowledged write.
func (e Event) LongestGap() time.Duration { return time.Duration(e.LongestGapMs) * time.Millisecond }

// Program is one client of the suite: how to start it.
type Program struct {
	// Name is the client library ("go-redis", "redis-py", ...).
	Name string
	// Command is the program and its arguments.
	Command []string
	// Dir is where it runs.
	Dir string
}

// Client is a running client program.
type Client struct {
	Program Program
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	events  chan Event
	stderr  *testenv.SyncBuffer
	done    chan error
}

// Start runs p with exactly the app contract env (plus PATH and HOME) and a
// key prefix of its own.
func Start(ctx context.Context, p Program, env map[string]string, keyPrefix string) (*Client, error) {
	cmd := exec.CommandContext(ctx, p.Command[0], p.Command[1:]...)
	cmd.Dir = p.Dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "CLIENT_KEY_PREFIX=" + keyPrefix}
	names := make([]string, 0, len(env))
	for name := range env {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		cmd.Env = append(cmd.Env, name+"="+env[name])
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	c := &Client{Program: p, cmd: cmd, stdin: stdin, events: make(chan Event, 16), stderr: &testenv.SyncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s (%s): %w", p.Name, strings.Join(p.Command, " "), err)
	}
	go func() {
		lines := bufio.NewScanner(stdout)
		lines.Buffer(make([]byte, 64<<10), 1<<20)
		for lines.Scan() {
			var e Event
			if err := json.Unmarshal(lines.Bytes(), &e); err != nil {
				e = Event{Event: "error", Error: "not a protocol line: " + lines.Text()}
			}
			c.events <- e
		}
		close(c.events)
		c.done <- cmd.Wait()
	}()
	return c, nil
}

// Next waits for the next event of kind want; an error event, an exit or the
// deadline is an error that carries the program's stderr.
func (c *Client) Next(ctx context.Context, want string, within time.Duration) (Event, error) {
	timer := time.NewTimer(within)
	defer timer.Stop()
	for {
		select {
		case e, ok := <-c.events:
			if !ok {
				return Event{}, fmt.Errorf("%s exited before %q: %v; stderr: %s", c.Program.Name, want, <-c.done, c.stderr.Tail(2048))
			}
			if e.Event == "error" {
				return e, fmt.Errorf("%s: %s; stderr: %s", c.Program.Name, e.Error, c.stderr.Tail(2048))
			}
			if e.Event == want {
				return e, nil
			}
		case <-timer.C:
			return Event{}, fmt.Errorf("%s: no %q event within %s; stderr: %s", c.Program.Name, want, within, c.stderr.Tail(2048))
		case <-ctx.Done():
			return Event{}, ctx.Err()
		}
	}
}

// Send writes one protocol command.
func (c *Client) Send(command string) error {
	_, err := io.WriteString(c.stdin, command+"\n")
	return err
}

// Close ends the program (EOF on stdin) and waits for it.
func (c *Client) Close() error {
	_ = c.stdin.Close()
	for range c.events {
	}
	select {
	case err := <-c.done:
		if err != nil {
			return fmt.Errorf("%s: %w; stderr: %s", c.Program.Name, err, c.stderr.Tail(2048))
		}
		return nil
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		return fmt.Errorf("%s did not exit after EOF; stderr: %s", c.Program.Name, c.stderr.Tail(2048))
	}
}

// Programs are the suite's clients, found under dir (test/clients). The Go
// client is built into binDir first.
func Programs(ctx context.Context, dir, binDir string) ([]Program, error) {
	goBinary := filepath.Join(binDir, "goredis-client")
	build := exec.CommandContext(ctx, "go", "build", "-o", goBinary, "./goredis")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build ./goredis: %w: %s", err, out)
	}
	node := filepath.Join(dir, "node")
	return []Program{
		{Name: "go-redis", Command: []string{goBinary}, Dir: dir},
		// Debian's python3 with python3-redis, not whatever python3 is first on PATH.
		{Name: "redis-py", Command: []string{"/usr/bin/python3", "redispy/client.py"}, Dir: dir},
		{Name: "ioredis", Command: []string{"node", "ioredis-client.js"}, Dir: node},
		{Name: "node-redis", Command: []string{"node", "node-redis-client.js"}, Dir: node},
	}, nil
}

// Prerequisites says what the programs need that is missing (for the
// caller to skip or fail on).
func Prerequisites(dir string) error {
	var errs []error
	if out, err := exec.Command("/usr/bin/python3", "-c", "import redis").CombinedOutput(); err != nil {
		errs = append(errs, fmt.Errorf("redis-py for /usr/bin/python3 (apt-get install python3-redis): %v %s", err, bytes.TrimSpace(out)))
	}
	if _, err := exec.LookPath("node"); err != nil {
		errs = append(errs, fmt.Errorf("node: %w", err))
	}
	for _, pkg := range []string{"ioredis", "redis"} {
		if _, err := os.Stat(filepath.Join(dir, "node", "node_modules", pkg, "package.json")); err != nil {
			errs = append(errs, fmt.Errorf("npm package %s (npm ci in test/clients/node): %w", pkg, err))
		}
	}
	return errors.Join(errs...)
}
