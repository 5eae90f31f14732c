// Package servecmd holds the `serve` and `probe` commands shared by the
// redis-sentinel CLI and the lean monitor binary every stack deploys
// (cmd/redis-sentinel-monitor): the monitor image carries only what these
// need, not the CLI's Pulumi and Kubernetes clients (7 MB, not 97 MB).
package servecmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/platform-team/redis-sentinel/health"
	"github.com/platform-team/redis-sentinel/verify"
)

// Resolver chooses the cluster from flags of its own (the CLI's --stack,
// --sentinels ...), for runs without --target-file.
type Resolver interface {
	Bind(fs *pflag.FlagSet)
	Resolve(ctx context.Context) (verify.Target, health.ClusterInfo, error)
}

type options struct {
	targetFile string
	listen     string
	interval   time.Duration
}

// NewServeCommand is `serve`; resolver may be nil (then --target-file is required).
func NewServeCommand(stderr io.Writer, resolver Resolver) *cobra.Command {
	var o options
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve GET /health (JSON, 200/503), GET /livez and GET /metrics (Prometheus) for a cluster",
		Long: "Re-checks the cluster every --interval and at once whenever a sentinel announces\n" +
			"+switch-master, so a failover shows within a second. Listens on loopback by default.\n" +
			"The monitor every stack deploys runs this with --target-file (written by the stack).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			target, info, err := o.resolve(cmd.Context(), resolver)
			if err != nil {
				return err
			}
			return serve(cmd.Context(), target, info, o, stderr)
		},
	}
	if resolver != nil {
		resolver.Bind(cmd.Flags())
	}
	cmd.Flags().StringVar(&o.targetFile, "target-file", "", "read the cluster from a monitor target file (JSON; the password and CA from the files it names)")
	cmd.Flags().StringVar(&o.listen, "listen", "127.0.0.1:9121", "address to listen on")
	cmd.Flags().DurationVar(&o.interval, "interval", 5*time.Second, "time between scheduled checks")
	return cmd
}

func (o options) resolve(ctx context.Context, resolver Resolver) (verify.Target, health.ClusterInfo, error) {
	switch {
	case o.targetFile != "":
		return health.LoadTargetFile(o.targetFile)
	case resolver != nil:
		return resolver.Resolve(ctx)
	default:
		return verify.Target{}, health.ClusterInfo{}, errors.New("--target-file is required")
	}
}

func serve(ctx context.Context, target verify.Target, info health.ClusterInfo, o options, stderr io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	checker, err := verify.NewVerifier(target)
	if err != nil {
		return err
	}
	defer checker.Close()
	listener, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.listen, err)
	}
	monitor := health.NewMonitor(checker, target, o.interval)
	go monitor.Run(ctx)
	fmt.Fprintf(stderr, "serving http://%s/health, /livez and /metrics\n", listener.Addr())
	srv := health.NewHTTPServer(health.Handler(monitor, info), health.DefaultServerTimeouts)
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
