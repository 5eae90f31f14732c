package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/platform-team/redis-sentinel/automation"
	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/dockerhost"
	"github.com/platform-team/redis-sentinel/internal/faultmatrix"
	"github.com/platform-team/redis-sentinel/internal/kubehost"
	"github.com/platform-team/redis-sentinel/soak"
	"github.com/platform-team/redis-sentinel/verify"
)

type soakOptions struct {
	target      targetFlags
	duration    time.Duration
	seed        uint64
	faults      string
	wait        int
	report      string
	plot        string
	asJSON      bool
	strict      bool
	kubeContext string
}

func newSoakCommand(stdout, stderr io.Writer) *cobra.Command {
	var o soakOptions
	cmd := &cobra.Command{
		Use:   "soak",
		Short: "Inject a seeded random schedule of faults for --duration under a writer and a reader; report availability and loss",
		Long: "Docker stacks draw from kill, crash-restart, data-loss, pause, partition, sentinel-down,\n" +
			"replica-down, restart-all; Kubernetes stacks from pod-delete, pod-crash, pod-data-loss,\n" +
			"all-pods-deleted. Holds and gaps are random, every fault is healed when its hold is up\n" +
			"(a master fault possibly while its failover is under way), and a fault sometimes starts\n" +
			"while the previous one is still healing. The same --seed replays the same schedule. A line\n" +
			"per fault goes to stderr. Exit 1 when a state never healed or an acknowledged write was\n" +
			"lost outside Sentinel's known window (a master healed mid-failover); with --strict, on any\n" +
			"lost write.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSoak(cmd.Context(), o, stdout, stderr)
		},
	}
	o.target.bind(cmd.Flags())
	cmd.Flags().DurationVar(&o.duration, "duration", 30*time.Minute, "how long to inject faults")
	cmd.Flags().Uint64Var(&o.seed, "seed", 0, "schedule seed (0: a new one, printed so it can be replayed)")
	cmd.Flags().StringVar(&o.faults, "faults", "", "comma-separated fault kinds to draw from (default: all of the platform's)")
	cmd.Flags().IntVar(&o.wait, "wait-replicas", 1, "a write counts as acknowledged once WAIT confirms this many replicas")
	cmd.Flags().StringVar(&o.report, "report", "", "write the JSON report to this file")
	cmd.Flags().BoolVar(&o.strict, "strict", false, "fail on any lost write, those in Sentinel's known window too")
	cmd.Flags().BoolVar(&o.asJSON, "json", false, "print the JSON report to stdout instead of the table")
	bindPlot(cmd.Flags(), &o.plot)
	cmd.Flags().StringVar(&o.kubeContext, "kube-context", "", "kubeconfig context (Kubernetes stacks)")
	return cmd
}

func runSoak(ctx context.Context, o soakOptions, stdout, stderr io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	// Ctrl-C ends the soak early: the fault in force is healed and the
	// report covers what ran.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	target, deployed, err := o.target.resolve(ctx)
	if err != nil {
		return err
	}
	if deployed == nil || deployed.Mode != cluster.ModeSentinel {
		return errors.New("soak needs --stack of a sentinel-mode stack")
	}
	kinds, closeKinds, err := soakKinds(ctx, deployed, o)
	if err != nil {
		return err
	}
	defer closeKinds()
	if kinds, err = pickKinds(kinds, o.faults); err != nil {
		return err
	}
	checker, err := verify.NewChecker(target)
	if err != nil {
		return err
	}
	defer checker.Close()
	if o.seed == 0 {
		o.seed = uint64(time.Now().UnixNano())
	}
	progress := progressTo(stderr, time.Second)
	downAfter := time.Duration(deployed.Timers.DownAfterMilliseconds) * time.Millisecond
	opts := soak.Options{Duration: o.duration, Seed: o.seed, WaitReplicas: o.wait, Progress: progress, Strict: o.strict,
		HoldMax: max(8*time.Second, 4*downAfter)}
	plan := soak.Plan(o.seed, kinds, o.duration, opts)
	progress(fmt.Sprintf("soak of %s for %s, seed %d: %d faults planned from %s", deployed.Name, o.duration, o.seed, len(plan), kindNames(kinds)))
	report, err := soak.Run(ctx, checker, kinds, plan, opts)
	if err != nil {
		return err
	}
	if err := writeSoakReport(stdout, o, report); err != nil {
		return err
	}
	if err := writeTimeline(stderr, o.plot, fmt.Sprintf("soak of %s, %s, seed %d", deployed.Name, report.Duration.Round(time.Second), o.seed), report.Timeline); err != nil {
		return err
	}
	if !report.Passed() {
		return checksFailed(fmt.Errorf("soak failed: %d acknowledged writes lost (%d unexplained, %d in the known window), unhealed: %v",
			report.Writes.Lost, report.LostUnexplained, report.LostKnownWindow, report.Unhealed))
	}
	return nil
}

// soakKinds are the stack platform's faults.
func soakKinds(ctx context.Context, d *automation.Deployed, o soakOptions) ([]soak.Kind, func(), error) {
	switch d.Platform {
	case cluster.PlatformDocker:
		host, err := dockerhost.Connect(ctx)
		if err != nil {
			return nil, nil, err
		}
		env := faultmatrix.Env{Host: host, Cluster: d.Name, Network: cluster.Spec{Name: d.Name}.NetworkName(),
			DownAfter: time.Duration(d.Timers.DownAfterMilliseconds) * time.Millisecond, AdminUser: d.AdminUser}
		return faultmatrix.SoakKinds(env), func() { _ = host.Close() }, nil
	case cluster.PlatformKubernetes:
		host, err := kubehost.Connect(o.kubeContext, d.Namespace, d.Name)
		if err != nil {
			return nil, nil, err
		}
		return kubehost.SoakKinds(host, 5*time.Minute), func() {}, nil
	default:
		return nil, nil, fmt.Errorf("soak: platform %q has no faults", d.Platform)
	}
}

func pickKinds(all []soak.Kind, list string) ([]soak.Kind, error) {
	if list == "" {
		return all, nil
	}
	var out []soak.Kind
	for _, name := range splitList(list) {
		i := slices.IndexFunc(all, func(k soak.Kind) bool { return k.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("--faults: unknown fault %q (this platform has %s)", name, kindNames(all))
		}
		out = append(out, all[i])
	}
	return out, nil
}

func kindNames(kinds []soak.Kind) string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.Name
	}
	return strings.Join(names, ",")
}

func writeSoakReport(stdout io.Writer, o soakOptions, r soak.Report) error {
	if o.report != "" {
		raw, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(o.report, append(raw, '\n'), 0o644); err != nil {
			return fmt.Errorf("--report: %w", err)
		}
	}
	if o.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return printSoak(stdout, r)
}

func printSoak(w io.Writer, r soak.Report) error {
	fmt.Fprintf(w, "soak: seed %d, %s, %d faults\n", r.Seed, r.Duration.Round(time.Second), len(r.Faults))
	fmt.Fprintf(w, "availability %.4f%% of 10 ms write slots; writes %d acknowledged, %d failed, %d LOST (%d in the known window, %d unexplained); reads %d ok, %d failed; at most %d master(s) at once\n",
		100*r.Availability, r.Writes.Acked, r.Writes.Failed, r.Writes.Lost, r.LostKnownWindow, r.LostUnexplained, r.Reads.OK, r.Reads.Failed, r.MastersSeenAtOnce)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FAULT\tCOUNT\tOVERLAPPED\tHEALED MID-FAILOVER\tOUTAGE P50\tP99\tMAX\tTO HEALTH P50\tMAX\tLOST\tOF THEM KNOWN WINDOW")
	kinds := make([]string, 0, len(r.PerKind))
	for k := range r.PerKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		f := r.PerKind[k]
		health, healthMax := "-", "-"
		if f.Count > f.Overlapped {
			health, healthMax = ms(f.HealthP50), ms(f.HealthMax)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\n", k, f.Count, f.Overlapped, f.HealedMidFailover,
			ms(f.OutageP50), ms(f.OutageP99), ms(f.OutageMax), health, healthMax, f.Lost, f.LostKnownWindow)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Unhealed) > 0 {
		fmt.Fprintf(w, "NEVER HEALED: %s\n", strings.Join(r.Unhealed, "; "))
	}
	verdict := "PASSED"
	if !r.Passed() {
		verdict = "FAILED"
	}
	_, err := fmt.Fprintln(w, verdict)
	return err
}
