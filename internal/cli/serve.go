package cli

import (
	"context"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/platform-team/redis-sentinel/health"
	"github.com/platform-team/redis-sentinel/internal/servecmd"
	"github.com/platform-team/redis-sentinel/verify"
)

// newServeCommand is servecmd's `serve`, choosing the cluster with the CLI's
// target flags (a stack's outputs or the app's environment) as well.
func newServeCommand(stderr io.Writer) *cobra.Command {
	return servecmd.NewServeCommand(stderr, &serveTarget{})
}

type serveTarget struct{ flags targetFlags }

func (s *serveTarget) Bind(fs *pflag.FlagSet) { s.flags.bind(fs) }

func (s *serveTarget) Resolve(ctx context.Context) (verify.Target, health.ClusterInfo, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	target, deployed, err := s.flags.resolve(ctx)
	var info health.ClusterInfo
	if deployed != nil {
		info.Name = deployed.Name
	}
	return target, info, err
}
