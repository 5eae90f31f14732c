package rollout

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/platform-team/redis-sentinel/automation"
	"github.com/platform-team/redis-sentinel/verify"
)

// processName matches the resource names of data nodes and sentinels.
var processName = regexp.MustCompile(`-(node|sentinel)-(\d+)$`)

// replacement is one container the update would replace.
type replacement struct {
	urn     string
	role    string // node or sentinel
	ordinal int
}

// rollingUp applies the stage's change without taking the cluster down. When
// the update replaces running nodes or sentinels (a new image, say), Pulumi
// would delete them all before creating any; instead each is replaced alone
// with a targeted update, gated by the health checks: sentinels first, then
// the replicas, then a safe switchover and the old master. A final full update
// applies the rest (the settings job). Anything else is a plain `up`.
// handover is the switchover before the master's replacement (nil when the
// master was not replaced).
func rollingUp(ctx context.Context, s auto.Stack, o Options, progress func(string, ...any)) (handover *verify.DrillResult, err error) {
	out, err := s.Outputs(ctx)
	if err != nil || len(out) == 0 {
		return nil, plainUp(ctx, s)
	}
	deployed, err := automation.DeployedFromOutputs(out)
	if err != nil {
		return nil, plainUp(ctx, s)
	}
	plan, credentials, onlyProcesses, err := plannedReplacements(ctx, s)
	if err != nil {
		return nil, err
	}
	if len(plan) == 0 || !onlyProcesses {
		return nil, plainUp(ctx, s)
	}
	progress("rolling update: %d containers, one at a time", len(plan))
	if len(credentials) > 0 {
		// The replacements read their credentials from what these publish
		// (on the first up of a stack made before the credentials volume,
		// they do not exist yet); running processes take them live.
		if _, err := s.Up(ctx, optup.Target(credentials), optup.SuppressProgress()); err != nil {
			return nil, fmt.Errorf("apply credentials: %w", err)
		}
		progress("credentials applied live")
	}
	master, err := currentMaster(ctx, s, o)
	if err != nil {
		return nil, err
	}
	var oldMaster *replacement
	for _, r := range orderReplacements(plan) {
		if r.role == "node" && deployed.Nodes[r.ordinal] == master {
			oldMaster = &r
			continue
		}
		if err := replaceOne(ctx, s, r, o, progress); err != nil {
			return nil, err
		}
	}
	if oldMaster != nil {
		if handover, err = handOver(ctx, s, o, progress); err != nil {
			return handover, err
		}
		if err := replaceOne(ctx, s, *oldMaster, o, progress); err != nil {
			return handover, err
		}
	}
	return handover, plainUp(ctx, s)
}

// plannedReplacements previews the update and lists the node and sentinel
// containers it would replace, and the credentials volume and job it would
// create or replace; onlyProcesses is false when anything else (the network,
// a data volume) would be replaced too.
func plannedReplacements(ctx context.Context, s auto.Stack) ([]replacement, []string, bool, error) {
	ch := make(chan events.EngineEvent)
	var plan []replacement
	var credentials []string
	only := true
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for e := range ch {
			if e.ResourcePreEvent == nil {
				continue
			}
			op, urn := e.ResourcePreEvent.Metadata.Op, e.ResourcePreEvent.Metadata.URN
			isCredentials := strings.HasSuffix(urn, "-credentials") || strings.HasSuffix(urn, "-apply-credentials")
			if isCredentials && (op == apitype.OpCreate || op == apitype.OpReplace) {
				credentials = append(credentials, urn)
				continue
			}
			if op != apitype.OpReplace {
				continue
			}
			m := processName.FindStringSubmatch(urn)
			switch {
			case m != nil:
				n, _ := strconv.Atoi(m[2])
				plan = append(plan, replacement{urn: urn, role: m[1], ordinal: n})
			case !strings.HasSuffix(urn, "-settings") && !strings.HasSuffix(urn, "-monitor"):
				// The settings job and the monitor carry no data: the final
				// plain update replaces them.
				only = false
			}
		}
	}()
	_, err := s.Preview(ctx, optpreview.EventStreams(ch))
	wg.Wait()
	if err != nil {
		return nil, nil, false, fmt.Errorf("preview: %w", err)
	}
	return plan, credentials, only, nil
}

// orderReplacements puts sentinels first, then data nodes, each by ordinal.
func orderReplacements(plan []replacement) []replacement {
	out := slices.Clone(plan)
	slices.SortFunc(out, func(a, b replacement) int {
		if a.role != b.role {
			return strings.Compare(b.role, a.role) // "sentinel" before "node"
		}
		return a.ordinal - b.ordinal
	})
	return out
}

// replaceOne replaces one container and waits until the cluster is healthy
// again (timers are checked after the final update, which re-applies them).
func replaceOne(ctx context.Context, s auto.Stack, r replacement, o Options, progress func(string, ...any)) error {
	if _, err := s.Up(ctx, optup.Target([]string{r.urn}), optup.SuppressProgress()); err != nil {
		return fmt.Errorf("replace %s %d: %w", r.role, r.ordinal, err)
	}
	report, checker, err := verifyStage(ctx, s, o, false)
	if checker != nil {
		checker.Close()
	}
	if err != nil {
		return fmt.Errorf("after replacing %s %d: %w", r.role, r.ordinal, err)
	}
	progress("replaced %s %d; healthy (master %s)", r.role, r.ordinal, report.Master)
	return nil
}

// handOver moves the master role away with a safe switchover.
func handOver(ctx context.Context, s auto.Stack, o Options, progress func(string, ...any)) (*verify.DrillResult, error) {
	_, checker, err := verifyStage(ctx, s, o, false)
	if checker != nil {
		defer checker.Close()
	}
	if err != nil {
		return nil, err
	}
	res, err := checker.Drill(ctx, verify.DrillSwitchover, verify.DrillOptions{Deadline: o.Deadline})
	if err != nil {
		return &res, fmt.Errorf("switchover before replacing the master: %w", err)
	}
	progress("switchover %s → %s: pause %s, %d writes lost", res.OldMaster, res.NewMaster, ms(res.WriteGap), res.WritesLost)
	return &res, nil
}

func currentMaster(ctx context.Context, s auto.Stack, o Options) (string, error) {
	report, checker, err := verifyStage(ctx, s, o, false)
	if checker != nil {
		checker.Close()
	}
	if err != nil {
		return "", fmt.Errorf("before the rolling update: %w", err)
	}
	return report.Master, nil
}

func plainUp(ctx context.Context, s auto.Stack) error {
	_, err := s.Up(ctx, optup.SuppressProgress())
	return err
}
