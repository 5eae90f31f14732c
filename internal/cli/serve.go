package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/platform-team/redis-sentinel/health"
	"github.com/platform-team/redis-sentinel/verify"
)

type serveOptions struct {
	target     targetFlags
	targetFile string
	listen     string
	interval   time.Duration
}

func newServeCommand(stderr io.Writer) *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve GET /health (JSON, 200/503) and GET /metrics (Prometheus) for a cluster",
		Long: "Re-checks the cluster every --interval and at once whenever a sentinel announces\n" +
			"+switch-master, so a failover shows within a second. Listens on loopback by default.\n" +
			"The monitor every stack deploys runs this with --target-file (written by the stack).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), o, stderr)
		},
	}
	o.target.bind(cmd.Flags())
	cmd.Flags().StringVar(&o.targetFile, "target-file", "", "read the cluster from a monitor target file (JSON; the password and CA from the files it names)")
	cmd.Flags().StringVar(&o.listen, "listen", "127.0.0.1:9121", "address to listen on")
	cmd.Flags().DurationVar(&o.interval, "interval", 5*time.Second, "time between scheduled checks")
	return cmd
}

func runServe(ctx context.Context, o serveOptions, stderr io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	target, info, err := o.resolveTarget(ctx)
	if err != nil {
		return err
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
	fmt.Fprintf(stderr, "serving http://%s/health and /metrics\n", listener.Addr())
	srv := &http.Server{Handler: health.Handler(monitor, info), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// resolveTarget is the target file's cluster, else the stack's or the
// environment's (see targetFlags).
func (o serveOptions) resolveTarget(ctx context.Context) (verify.Target, health.ClusterInfo, error) {
	if o.targetFile != "" {
		return loadTargetFile(o.targetFile)
	}
	target, deployed, err := o.target.resolve(ctx)
	var info health.ClusterInfo
	if deployed != nil {
		info.Name = deployed.Name
	}
	return target, info, err
}
