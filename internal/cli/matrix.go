package cli

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/dockerhost"
	"github.com/platform-team/redis-sentinel/internal/faultmatrix"
	"github.com/platform-team/redis-sentinel/verify"
)

type matrixOptions struct {
	target   targetFlags
	fast     bool
	only     string
	wait     int
	deadline time.Duration
	preload  int
	asJSON   bool
	plot     string
}

func newMatrixCommand(stdout, stderr io.Writer) *cobra.Command {
	var o matrixOptions
	cmd := &cobra.Command{
		Use:   "matrix",
		Short: "Run the fault matrix against a Docker stack (every single fault, under a writer)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runMatrix(cmd.Context(), o, stdout, stderr)
		},
	}
	o.target.bind(cmd.Flags())
	cmd.Flags().BoolVar(&o.fast, "fast", false, "only the fast subset CI runs")
	cmd.Flags().StringVar(&o.only, "only", "", "only cases whose name contains this text")
	cmd.Flags().IntVar(&o.wait, "wait-replicas", 1, "a write counts as acknowledged once WAIT confirms this many replicas (0: the master's reply alone)")
	cmd.Flags().DurationVar(&o.deadline, "deadline", 60*time.Second, "bound on each wait")
	bindPreload(cmd.Flags(), &o.preload)
	cmd.Flags().BoolVar(&o.asJSON, "json", false, "print rows as JSON")
	bindPlot(cmd.Flags(), &o.plot)
	return cmd
}

func runMatrix(ctx context.Context, o matrixOptions, stdout, stderr io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	target, deployed, err := o.target.resolve(ctx)
	if err != nil {
		return err
	}
	if deployed == nil || deployed.Platform != cluster.PlatformDocker {
		return errors.New("the fault matrix needs --stack of a docker stack")
	}
	host, err := dockerhost.Connect(ctx)
	if err != nil {
		return err
	}
	defer host.Close()
	checker, err := verify.NewChecker(target)
	if err != nil {
		return err
	}
	defer checker.Close()

	env := faultmatrix.Env{Host: host, Cluster: deployed.Name, Network: cluster.Spec{Name: deployed.Name}.NetworkName(),
		DownAfter: time.Duration(deployed.Timers.DownAfterMilliseconds) * time.Millisecond, AdminUser: deployed.AdminUser}
	var cases []faultmatrix.Case
	for _, c := range faultmatrix.Cases(env) {
		if (c.Fast || !o.fast) && strings.Contains(c.Name, o.only) {
			cases = append(cases, c)
		}
	}
	rows := faultmatrix.Run(ctx, checker, cases, verify.DrillOptions{Deadline: o.deadline, WaitReplicas: o.wait, Preload: o.preload,
		Progress: progressTo(stderr, time.Second)})
	if o.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(rows)
	} else {
		err = faultmatrix.PrintTable(stdout, rows)
	}
	if err != nil {
		return err
	}
	results := make([]verify.DrillResult, len(rows))
	for i, r := range rows {
		results[i] = r.Result
	}
	if err := writePlot(stderr, o.plot, "fault matrix, stack "+deployed.Name, results); err != nil {
		return err
	}
	if !faultmatrix.Passed(rows) {
		return checksFailed(errors.New("fault matrix: a case failed"))
	}
	return nil
}
