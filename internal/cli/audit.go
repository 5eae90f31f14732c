package cli

import (
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"
)

// EnvAuditLog overrides where audit records go; "-" means stderr, "off" none.
const EnvAuditLog = "REDIS_SENTINEL_AUDIT_LOG"

// auditLog records who ran what, when, and how it ended, as JSON lines, for
// every verify/drill/matrix run (arguments never hold secrets: passwords come
// only from the stack or the environment).
type auditLog struct {
	logger *slog.Logger
	file   *os.File
	start  time.Time
	args   []string
}

// openAudit opens the audit log; failure to open it is reported on stderr
// and the command still runs.
func openAudit(args []string) *auditLog {
	a := &auditLog{start: time.Now(), args: args}
	path := auditPath()
	switch path {
	case "off":
		return a
	case "-":
		a.logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
		return a
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err == nil {
		a.file, err = os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err == nil {
			a.logger = slog.New(slog.NewJSONHandler(a.file, nil))
		}
	}
	if a.logger == nil {
		fmt.Fprintf(os.Stderr, "warning: audit log %s cannot be opened; set %s\n", path, EnvAuditLog)
	}
	return a
}

func auditPath() string {
	if p := os.Getenv(EnvAuditLog); p != "" {
		return p
	}
	state := os.Getenv("XDG_STATE_HOME")
	if state == "" {
		home, _ := os.UserHomeDir()
		state = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(state, "redis-sentinel", "audit.jsonl")
}

func (a *auditLog) begin() {
	if a.logger == nil {
		return
	}
	who := "unknown"
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	host, _ := os.Hostname()
	a.logger.Info("command started", "event", "start", "user", who, "host", host, "pid", os.Getpid(),
		"command", strings.Join(append([]string{"redis-sentinel"}, a.args...), " "))
}

func (a *auditLog) end(exitCode int, err error) {
	if a.logger == nil {
		return
	}
	attrs := []any{"event", "end", "pid", os.Getpid(), "exitCode", exitCode, "durationMs", time.Since(a.start).Milliseconds()}
	if err != nil {
		attrs = append(attrs, "error", err.Error())
	}
	a.logger.Info("command finished", attrs...)
	if a.file != nil {
		_ = a.file.Close()
	}
}
