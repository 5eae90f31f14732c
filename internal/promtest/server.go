// Package promtest runs a real Prometheus server (Debian's prometheus) for
// tests: a free loopback port, a 1 s scrape and rule evaluation interval, the
// given scrape targets and rule files, and its HTTP API through the
// Prometheus client library.
package promtest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/platform-team/redis-sentinel/internal/testenv"
)

// Job is the scrape job every target is scraped under.
const Job = "redis-sentinel-monitor"

// Server is a running Prometheus.
type Server struct {
	URL string
	API promv1.API
	t   testing.TB
}

// Start runs Prometheus scraping targets (host:port, path /metrics) every
// second and evaluating ruleFiles every second; it stops when the test ends.
func Start(t testing.TB, targets, ruleFiles []string) *Server {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		testenv.Missing(t, "prometheus (apt-get install -y prometheus)")
	}
	dir := t.TempDir()
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
rule_files: [%s]
scrape_configs:
  - job_name: %s
    static_configs:
      - targets: [%s]
`, quoteAll(ruleFiles), Job, quoteAll(targets))
	configPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--config.file="+configPath, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	logFile, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prometheus: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			out, _ := os.ReadFile(logFile.Name())
			t.Logf("prometheus log:\n%s", out)
		}
	})
	url := "http://" + addr
	testenv.WaitFor(t, 30*time.Second, "prometheus ready", func() (string, bool) {
		resp, err := http.Get(url + "/-/ready")
		if err != nil {
			return err.Error(), false
		}
		resp.Body.Close()
		return resp.Status, resp.StatusCode == http.StatusOK
	})
	client, err := api.NewClient(api.Config{Address: url})
	if err != nil {
		t.Fatal(err)
	}
	return &Server{URL: url, API: promv1.NewAPI(client), t: t}
}

// Query runs an instant query now and returns its samples (errors fail the test).
func (s *Server) Query(ctx context.Context, query string) model.Vector {
	s.t.Helper()
	v, warnings, _, err := s.API.Query(ctx, query, time.Now())
	if err != nil {
		s.t.Fatalf("query %s: %v", query, err)
	}
	if len(warnings) > 0 {
		s.t.Logf("query %s: warnings %v", query, warnings)
	}
	vec, ok := v.(model.Vector)
	if !ok {
		s.t.Fatalf("query %s: %s result, want a vector", query, v.Type())
	}
	return vec
}

// FiringAlert returns the named alert when it is firing.
func (s *Server) FiringAlert(ctx context.Context, name string) (promv1.Alert, bool) {
	s.t.Helper()
	res, err := s.API.Alerts(ctx)
	if err != nil {
		s.t.Fatalf("alerts: %v", err)
	}
	for _, a := range res.Alerts {
		if string(a.Labels[model.AlertNameLabel]) == name && a.State == promv1.AlertStateFiring {
			return a, true
		}
	}
	return promv1.Alert{}, false
}

func quoteAll(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(quoted, ", ")
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
