// Package redislog routes go-redis's internal log lines (master switches, dial
// failures) to slog at debug level instead of bare lines on stderr.
package redislog

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/redis/go-redis/v9"
)

type slogLogger struct{}

func (slogLogger) Printf(ctx context.Context, format string, v ...interface{}) {
	slog.DebugContext(ctx, fmt.Sprintf(format, v...), "component", "go-redis")
}

// Install makes go-redis log through slog.
func Install() { redis.SetLogger(slogLogger{}) }
