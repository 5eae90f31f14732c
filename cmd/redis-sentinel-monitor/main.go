// Command redis-sentinel-monitor is the monitor every stack deploys: the
// CLI's `serve` and `probe` alone, so its image is a 7 MB static binary. The
// monitor image installs it as /usr/local/bin/redis-sentinel, so the
// container runs `redis-sentinel serve` like an operator would.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/platform-team/redis-sentinel/internal/redislog"
	"github.com/platform-team/redis-sentinel/internal/servecmd"
)

func main() {
	redislog.Install()
	root := &cobra.Command{
		Use:           "redis-sentinel",
		Short:         "The always-on monitor of a Redis Sentinel cluster (serve, probe)",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(servecmd.NewServeCommand(os.Stderr, nil), servecmd.NewProbeCommand(os.Stdout))
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
