package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/platform-team/redis-sentinel/automation"
	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/dockerhost"
	"github.com/platform-team/redis-sentinel/internal/kubehost"
	"github.com/platform-team/redis-sentinel/verify"
)

type drillOptions struct {
	target   targetFlags
	runs     int
	interval time.Duration
	wait     int
	deadline time.Duration
	preload  int
	asJSON   bool
	plot     string
	// kubeContext is the kubeconfig context of pod-delete ("" for the current one).
	kubeContext string
}

func newDrillCommand(stdout, stderr io.Writer) *cobra.Command {
	var o drillOptions
	cmd := &cobra.Command{
		Use:   "drill crash|crash-restart|data-loss|switchover|plain-failover|pod-delete",
		Short: "Run a timed failover drill under a background writer and report what clients saw",
		Long: "crash kills the master (Docker: its container, started again after the failover;\n" +
			"Kubernetes: its pod, deleted with no grace period); crash-restart kills it and has the\n" +
			"platform restart it at once (Docker's restart policy, the StatefulSet); data-loss takes its\n" +
			"disk (Docker: its volume emptied; Kubernetes: its claim deleted) and has it back at once;\n" +
			"all three must end in a failover with nothing lost. switchover is the planned failover that\n" +
			"loses no acknowledged write; plain-failover is a bare SENTINEL FAILOVER, for comparison;\n" +
			"pod-delete deletes the master's pod as a drain does (its pre-stop hook hands over).\n" +
			"Progress goes to stderr; the table (or --json) to stdout. Exit 1 when a drill fails.",
		Args: cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		ValidArgs: []string{string(verify.DrillCrash), string(verify.DrillCrashRestart), string(verify.DrillDataLoss),
			string(verify.DrillSwitchover), string(verify.DrillPlainFailover), kubehost.DrillPodDelete},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDrill(cmd.Context(), verify.DrillKind(args[0]), o, stdout, stderr)
		},
	}
	o.target.bind(cmd.Flags())
	cmd.Flags().IntVar(&o.runs, "runs", 1, "repeat the drill and summarize (min/median/max)")
	cmd.Flags().DurationVar(&o.interval, "interval", 10*time.Millisecond, "background writer period")
	cmd.Flags().IntVar(&o.wait, "wait-replicas", 0, "a write counts as acknowledged once WAIT confirms this many replicas (0: the master's reply alone)")
	cmd.Flags().DurationVar(&o.deadline, "deadline", 60*time.Second, "bound on each wait (failover, recovery, health)")
	bindPreload(cmd.Flags(), &o.preload)
	cmd.Flags().BoolVar(&o.asJSON, "json", false, "print results as JSON")
	bindPlot(cmd.Flags(), &o.plot)
	cmd.Flags().StringVar(&o.kubeContext, "kube-context", "", "kubeconfig context for pod-delete ($KUBECONFIG rules; default: the current context)")
	return cmd
}

func runDrill(ctx context.Context, kind verify.DrillKind, o drillOptions, stdout, stderr io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.runs < 1 {
		return errors.New("--runs must be at least 1")
	}
	target, deployed, err := o.target.resolve(ctx)
	if err != nil {
		return err
	}
	faults, closeFaults, err := faultsFor(ctx, kind, deployed, o.kubeContext)
	if err != nil {
		return err
	}
	defer closeFaults()
	checker, err := verify.NewChecker(target)
	if err != nil {
		return err
	}
	defer checker.Close()
	drill, err := drillFor(kind, deployed, checker, o)
	if err != nil {
		return err
	}

	progress := progressTo(stderr, time.Millisecond)
	opts := verify.DrillOptions{WriteInterval: o.interval, Deadline: o.deadline, Faults: faults, WaitReplicas: o.wait, Preload: o.preload, Progress: progress}
	var results []verify.DrillResult
	for run := 1; run <= o.runs; run++ {
		progress(fmt.Sprintf("run %d/%d", run, o.runs))
		res, err := drill(ctx, opts)
		if err != nil {
			_ = printDrill(stdout, append(results, res), o.asJSON)
			_ = writePlot(stderr, o.plot, fmt.Sprintf("%s drill (failed)", kind), append(results, res))
			return checksFailed(fmt.Errorf("%s drill run %d: %w", kind, run, err))
		}
		results = append(results, res)
	}
	if err := printDrill(stdout, results, o.asJSON); err != nil {
		return err
	}
	return writePlot(stderr, o.plot, fmt.Sprintf("%s drill, %d run(s), stack %s", kind, len(results), o.target.stack), results)
}

// faultsFor picks the fault injector for the stack's platform; only the
// crash, crash-restart and data-loss drills need one.
func faultsFor(ctx context.Context, kind verify.DrillKind, d *automation.Deployed, kubeContext string) (verify.Faults, func(), error) {
	noop := func() {}
	switch kind {
	case verify.DrillCrash, verify.DrillCrashRestart, verify.DrillDataLoss:
	default:
		return nil, noop, nil
	}
	switch {
	case d != nil && d.Platform == cluster.PlatformDocker:
		host, err := dockerhost.Connect(ctx)
		if err != nil {
			return nil, noop, err
		}
		return dockerhost.ClusterFaults{Host: host, Cluster: d.Name}, func() { _ = host.Close() }, nil
	case d != nil && d.Platform == cluster.PlatformKubernetes:
		host, err := kubehost.Connect(kubeContext, d.Namespace, d.Name)
		return host, noop, err
	default:
		return nil, noop, fmt.Errorf("the %s drill needs --stack of a deployed stack (it acts on the master's container or pod)", kind)
	}
}

// drillFor runs a built-in drill, or one of a platform's own.
func drillFor(kind verify.DrillKind, d *automation.Deployed, checker *verify.Checker, o drillOptions) (func(context.Context, verify.DrillOptions) (verify.DrillResult, error), error) {
	if kind != kubehost.DrillPodDelete {
		return func(ctx context.Context, o verify.DrillOptions) (verify.DrillResult, error) {
			return checker.Drill(ctx, kind, o)
		}, nil
	}
	if d == nil || d.Platform != cluster.PlatformKubernetes {
		return nil, errors.New("the pod-delete drill needs --stack of a kubernetes stack")
	}
	host, err := kubehost.Connect(o.kubeContext, d.Namespace, d.Name)
	if err != nil {
		return nil, err
	}
	fault := kubehost.PodDeleteFault(host, o.deadline)
	return func(ctx context.Context, o verify.DrillOptions) (verify.DrillResult, error) {
		return checker.RunFault(ctx, fault, o)
	}, nil
}

func printDrill(w io.Writer, results []verify.DrillResult, asJSON bool) error {
	summary := verify.Summarize(results)
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Runs    []verify.DrillResult `json:"runs"`
			Summary verify.DrillSummary  `json:"summary"`
		}{results, summary})
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\tkind\told master\tnew master\tfirst switch\tall agree\twrite gap\tacked\tfailed\tlost\tpreload lost\trejoin\t")
	for i, r := range results {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t\n", i+1, r.Kind, r.OldMaster, r.NewMaster,
			ms(r.FirstSwitch), ms(r.AllAgree), ms(r.WriteGap), r.WritesAcked, r.WritesFailed, r.WritesLost, r.PreloadLost(), ms(r.Rejoin))
	}
	if len(results) > 1 {
		for _, row := range []struct {
			name string
			pick func(verify.Spread) float64
		}{{"min", func(s verify.Spread) float64 { return s.Min }}, {"median", func(s verify.Spread) float64 { return s.Median }}, {"max", func(s verify.Spread) float64 { return s.Max }}} {
			fmt.Fprintf(tw, "%s\t\t\t\t%.0fms\t%.0fms\t%.0fms\t\t\t%.0f\t\t%.0fms\t\n", row.name,
				row.pick(summary.FirstSwitchMs), row.pick(summary.AllAgreeMs), row.pick(summary.WriteGapMs),
				row.pick(summary.WritesLost), row.pick(summary.RejoinMs))
		}
	}
	return tw.Flush()
}

func ms(d time.Duration) string { return d.Round(time.Millisecond).String() }

// bindPreload adds --preload: keys written before each fault and
// acknowledged by every replica, all of which must survive it.
func bindPreload(flags *pflag.FlagSet, n *int) {
	flags.IntVar(n, "preload", 0, "write this many keys before each fault, acknowledged by every replica (WAIT), and count those missing afterwards")
}
