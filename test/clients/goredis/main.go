// Command goredis is the go-redis client of the client compatibility suite:
// configured only from the app contract (REDIS_*), it speaks the suite's line
// protocol (test/clients/protocol.go) on stdin and stdout.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	basicKeys     = 100
	writeInterval = 10 * time.Millisecond
	writeTimeout  = time.Second
)

// connect builds the master and replica clients from the app contract.
func connect() (master, replica *redis.Client, err error) {
	// snippet:begin connect
	opts := &redis.FailoverOptions{
		MasterName:       os.Getenv("REDIS_SENTINEL_MASTER_NAME"),
		SentinelAddrs:    strings.Split(os.Getenv("REDIS_SENTINELS"), ","),
		Username:         os.Getenv("REDIS_USERNAME"), // empty without ACL
		Password:         os.Getenv("REDIS_PASSWORD"),
		SentinelUsername: os.Getenv("REDIS_USERNAME"), // sentinels require auth too
		SentinelPassword: os.Getenv("REDIS_PASSWORD"),
	}
	if os.Getenv("REDIS_TLS") == "true" {
		// Trust the stack's CA; the server certificate names every address
		// Sentinel announces, so the host name is verified as usual.
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(os.Getenv("REDIS_TLS_CA_CERT"))) {
			return nil, nil, errors.New("REDIS_TLS_CA_CERT holds no PEM certificate")
		}
		opts.TLSConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	master = redis.NewFailoverClient(opts) // follows failovers
	replicaOpts := *opts
	replicaOpts.ReplicaOnly = true
	replica = redis.NewFailoverClient(&replicaOpts) // reads from a replica
	// snippet:end
	return master, replica, nil
}

func main() {
	if err := run(context.Background()); err != nil {
		emit(map[string]any{"event": "error", "error": err.Error()})
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	master, replica, err := connect()
	if err != nil {
		return err
	}
	defer master.Close()
	defer replica.Close()
	prefix := os.Getenv("CLIENT_KEY_PREFIX")
	if prefix == "" {
		prefix = "clients:go-redis"
	}
	ready, err := basics(ctx, master, replica, prefix)
	if err != nil {
		return err
	}
	emit(ready)

	var w *writer
	lines := bufio.NewScanner(os.Stdin)
	for lines.Scan() {
		words := strings.Fields(lines.Text())
		switch {
		case len(words) == 2 && words[0] == "write" && w == nil:
			w = startWriter(ctx, master, prefix+":"+words[1]+":", words[1])
			emit(map[string]any{"event": "writing", "phase": words[1]})
		case len(words) == 1 && words[0] == "stop" && w != nil:
			result, err := w.stop(ctx)
			if err != nil {
				return err
			}
			runID, role, err := server(ctx, master)
			if err != nil {
				return err
			}
			result["runId"], result["role"] = runID, role
			emit(result)
			w = nil
		default:
			emit(map[string]any{"event": "error", "error": fmt.Sprintf("unexpected command %q", lines.Text())})
		}
	}
	return lines.Err()
}

// basics writes and reads 100 keys through the master and reads one back
// through a replica.
func basics(ctx context.Context, master, replica *redis.Client, prefix string) (map[string]any, error) {
	for i := range basicKeys {
		if err := master.Set(ctx, fmt.Sprintf("%s:basic:%d", prefix, i), i, 0).Err(); err != nil {
			return nil, fmt.Errorf("set: %w", err)
		}
	}
	keys := 0
	for i := range basicKeys {
		if v, err := master.Get(ctx, fmt.Sprintf("%s:basic:%d", prefix, i)).Result(); err == nil && v == strconv.Itoa(i) {
			keys++
		}
	}
	probe, want := fmt.Sprintf("%s:basic:%d", prefix, basicKeys-1), strconv.Itoa(basicKeys-1)
	var value string
	for range 100 { // replication is asynchronous
		if value, _ = replica.Get(ctx, probe).Result(); value == want {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	_, replicaRole, err := server(ctx, replica)
	if err != nil {
		return nil, fmt.Errorf("replica: %w", err)
	}
	runID, role, err := server(ctx, master)
	if err != nil {
		return nil, err
	}
	return map[string]any{"event": "ready", "library": "go-redis " + redis.Version(), "runId": runID, "role": role,
		"keys": keys, "replicaRead": value == want, "replicaRole": replicaRole}, nil
}

// server is the run id and role of the node a client talks to.
func server(ctx context.Context, c *redis.Client) (runID, role string, err error) {
	text, err := c.Info(ctx, "server", "replication").Result()
	if err != nil {
		return "", "", fmt.Errorf("info: %w", err)
	}
	return infoField(text, "run_id"), infoField(text, "role"), nil
}

func infoField(text, field string) string {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			return v
		}
	}
	return ""
}

// writer SETs PREFIX:N N every 10 ms until stopped; N is acknowledged when
// the server's reply arrived.
type writer struct {
	client     *redis.Client
	prefix     string
	phase      string
	acked      []int
	failed     int
	errors     map[string]int
	longestGap time.Duration
	lastOK     time.Time
	mu         sync.Mutex // guards longestGap and lastOK between loop and stop
	cancel     context.CancelFunc
	done       chan struct{}
}

func startWriter(ctx context.Context, c *redis.Client, prefix, phase string) *writer {
	wctx, cancel := context.WithCancel(ctx)
	w := &writer{client: c, prefix: prefix, phase: phase, lastOK: time.Now(), errors: map[string]int{}, cancel: cancel, done: make(chan struct{})}
	go w.loop(wctx)
	return w
}

func (w *writer) loop(ctx context.Context) {
	defer close(w.done)
	ticker := time.NewTicker(writeInterval)
	defer ticker.Stop()
	for n := 0; ctx.Err() == nil; n++ {
		sctx, cancel := context.WithTimeout(ctx, writeTimeout)
		err := w.client.Set(sctx, w.prefix+strconv.Itoa(n), n, 0).Err()
		cancel()
		if err == nil {
			w.succeeded(time.Now())
			w.acked = append(w.acked, n)
		} else if ctx.Err() == nil {
			w.failed++
			w.errors[errorKind(err.Error())]++
		}
		select {
		case <-ctx.Done():
		case <-ticker.C:
		}
	}
}

// succeeded records a write acknowledged at now.
func (w *writer) succeeded(now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.longestGap = max(w.longestGap, now.Sub(w.lastOK))
	w.lastOK = now
}

func (w *writer) stop(ctx context.Context) (map[string]any, error) {
	// A writer failing until the end has a gap that lasts until now.
	w.succeeded(time.Now())
	w.cancel()
	<-w.done
	lost, firstLost, lastLost := 0, -1, -1
	for i := 0; i < len(w.acked); i += 100 {
		chunk := w.acked[i:min(i+100, len(w.acked))]
		keys := make([]string, len(chunk))
		for j, n := range chunk {
			keys[j] = w.prefix + strconv.Itoa(n)
		}
		values, err := w.client.MGet(ctx, keys...).Result()
		if err != nil {
			return nil, fmt.Errorf("mget: %w", err)
		}
		for j, n := range chunk {
			if values[j] != strconv.Itoa(n) {
				lost++
				if firstLost < 0 {
					firstLost = n
				}
				lastLost = n
			}
		}
	}
	return map[string]any{"event": "result", "phase": w.phase, "acked": len(w.acked), "failed": w.failed,
		"lost": lost, "longestGapMs": w.longestGap.Milliseconds(), "firstLost": firstLost, "lastLost": lastLost, "lastAcked": lastAcked(w.acked), "errors": w.errors}, nil
}

// errorKind folds an error message into its kind: digits dropped, at most 60 bytes.
func errorKind(msg string) string {
	kind := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return -1
		}
		return r
	}, msg)
	if len(kind) > 60 {
		kind = kind[:60]
	}
	return kind
}

func lastAcked(acked []int) int {
	if len(acked) == 0 {
		return -1
	}
	return acked[len(acked)-1]
}

func emit(event map[string]any) {
	line, _ := json.Marshal(event)
	fmt.Println(string(line))
}
