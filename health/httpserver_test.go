package health_test

import (
	"bufio"
	"net"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/platform-team/redis-sentinel/health"
)

// TestHTTPServer_IdleConnectionsAreBounded: 1,000 clients that each scrape
// once and keep their connection open, and 1,000 that connect and send
// nothing, neither slow a new scrape nor stay beyond the server's bounds.
func TestHTTPServer_IdleConnectionsAreBounded(t *testing.T) {
	timeouts := health.ServerTimeouts{ReadHeader: time.Second, Read: 2 * time.Second, Write: 2 * time.Second, Idle: time.Second}
	srv := health.NewHTTPServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) }), timeouts)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	addr := l.Addr().String()
	before := runtime.NumGoroutine()

	var conns []net.Conn
	t.Cleanup(func() {
		for _, c := range conns {
			_ = c.Close()
		}
	})
	for i := range 2000 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
		if i%2 == 1 {
			continue // connects, sends nothing
		}
		if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: monitor\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("scrape %d: %v", i, err)
		}
	}
	held := runtime.NumGoroutine() - before
	start := time.Now()
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatalf("a scrape beside 2,000 idle connections: %v", err)
	}
	_ = resp.Body.Close()
	latency := time.Since(start)
	time.Sleep(timeouts.Idle + timeouts.ReadHeader + 500*time.Millisecond)
	open := 0
	for _, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				open++ // still open: the server did not close it
			}
		}
	}
	t.Logf("2,000 idle connections (1,000 after a scrape, 1,000 silent): %d server goroutines held, a new scrape answered in %s; %d still open after the idle and header bounds",
		held, latency.Round(time.Microsecond), open)
	if open > 0 {
		t.Errorf("%d of 2,000 idle connections still open after the server's bounds", open)
	}
	if latency > time.Second {
		t.Errorf("a scrape took %s beside idle connections", latency)
	}
}
