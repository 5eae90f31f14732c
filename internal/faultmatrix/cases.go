// Package faultmatrix is the reliability suite for Docker stacks: every single
// fault (crash, freeze, partition, sentinel and replica loss, a full restart)
// injected into real containers under a writer, each ending with the
// verifier's health checks passing and a report row.
package faultmatrix

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/dockerhost"
	"github.com/platform-team/redis-sentinel/verify"
)

// Env is the stack under test.
type Env struct {
	Host    *dockerhost.Host
	Cluster string // the stack's name output: container prefix and label
	Network string
	// DownAfter is the stack's down-after-milliseconds; holds scale with it.
	DownAfter time.Duration
	// AdminUser is the stack's adminUser output; "" means the default user.
	AdminUser string
}

// Case is one row of the matrix.
type Case struct {
	Name string
	// Fast cases run in CI; the full matrix runs from scripts/fault-matrix.sh.
	Fast bool
	// Fault builds the fault; note receives a finding for the report (may be nil).
	Fault func(note *string) verify.Fault
}

// Cases lists the matrix for env.
func Cases(env Env) []Case {
	faults := dockerhost.ClusterFaults{Host: env.Host, Cluster: env.Cluster}
	noFailoverHold := 3*env.DownAfter + 2*time.Second
	return []Case{
		{Name: "master SIGKILL", Fast: true, Fault: func(*string) verify.Fault { return verify.CrashFault(faults) }},
		{Name: "master's data lost, back before down-after", Fast: true, Fault: func(*string) verify.Fault { return verify.DataLossFault(faults) }},
		{Name: "master crashed, restarted before down-after", Fast: true, Fault: func(*string) verify.Fault { return verify.CrashRestartFault(faults) }},
		{Name: "master paused", Fault: func(*string) verify.Fault {
			return containerFault("master paused", verify.FailoverRequired, 0, faults, env.Host.Pause, env.Host.Unpause)
		}},
		{Name: "master partitioned, healed", Fast: true, Fault: func(note *string) verify.Fault {
			return partitionFault(env, faults, note)
		}},
		{Name: "one sentinel down + master SIGKILL", Fast: true, Fault: func(*string) verify.Fault {
			return sentinelsDownFault("one sentinel down + master SIGKILL", 1, verify.FailoverRequired, 0, env, faults)
		}},
		{Name: "two sentinels down + master SIGKILL", Fault: func(*string) verify.Fault {
			return sentinelsDownFault("two sentinels down + master SIGKILL", 2, verify.FailoverForbidden, noFailoverHold, env, faults)
		}},
		{Name: "one replica down and back", Fast: true, Fault: func(*string) verify.Fault {
			return replicaDownFault(env, faults, noFailoverHold)
		}},
		{Name: "all containers restarted at once", Fault: func(*string) verify.Fault {
			return restartAllFault(env)
		}},
	}
}

// containerFault applies inject to the master's container and heal to undo it.
func containerFault(name string, expect verify.FailoverExpectation, hold time.Duration, faults dockerhost.ClusterFaults,
	inject, heal func(context.Context, string) error) verify.Fault {
	return verify.Fault{Name: name, Expect: expect, Hold: hold, Inject: func(ctx context.Context, master string) (verify.FaultHandle, error) {
		container, err := faults.Container(ctx, master)
		if err != nil {
			return nil, err
		}
		if err := inject(ctx, container); err != nil {
			return nil, err
		}
		return verify.FaultFuncs{OnHeal: func(ctx context.Context) error { return heal(ctx, container) }}, nil
	}}
}

// sentinelsDownFault stops n sentinels, then crashes the master.
func sentinelsDownFault(name string, n int, expect verify.FailoverExpectation, hold time.Duration, env Env, faults dockerhost.ClusterFaults) verify.Fault {
	return verify.Fault{Name: name, Expect: expect, Hold: hold, Inject: func(ctx context.Context, master string) (verify.FaultHandle, error) {
		sentinels, err := env.Host.ContainersByRole(ctx, env.Cluster, cluster.RoleSentinel)
		if err != nil {
			return nil, err
		}
		if len(sentinels) < n {
			return nil, fmt.Errorf("%d sentinels, cannot stop %d", len(sentinels), n)
		}
		stopped := sentinels[:n]
		for _, s := range stopped {
			if err := env.Host.Stop(ctx, s); err != nil {
				return nil, err
			}
		}
		if err := faults.Crash(ctx, master); err != nil {
			return nil, err
		}
		return verify.FaultFuncs{OnHeal: func(ctx context.Context) error {
			errs := []error{faults.Recover(ctx, master)}
			for _, s := range stopped {
				errs = append(errs, env.Host.Start(ctx, s))
			}
			return errors.Join(errs...)
		}}, nil
	}}
}

// replicaDownFault stops one replica: writes go on, no failover, it rejoins.
func replicaDownFault(env Env, faults dockerhost.ClusterFaults, hold time.Duration) verify.Fault {
	return verify.Fault{Name: "one replica down and back", Expect: verify.FailoverForbidden, Hold: hold,
		Inject: func(ctx context.Context, master string) (verify.FaultHandle, error) {
			nodes, err := env.Host.ContainersByRole(ctx, env.Cluster, cluster.RoleData)
			if err != nil {
				return nil, err
			}
			masterContainer, err := faults.Container(ctx, master)
			if err != nil {
				return nil, err
			}
			for _, n := range nodes {
				if n != masterContainer {
					if err := env.Host.Stop(ctx, n); err != nil {
						return nil, err
					}
					return verify.FaultFuncs{OnHeal: func(ctx context.Context) error { return env.Host.Start(ctx, n) }}, nil
				}
			}
			return nil, errors.New("no replica container found")
		}}
}

// restartAllFault restarts every node and sentinel at once; afterwards
// exactly one master must remain and no acknowledged write may be missing.
func restartAllFault(env Env) verify.Fault {
	return verify.Fault{Name: "all containers restarted at once", Expect: verify.FailoverAllowed,
		Inject: func(ctx context.Context, _ string) (verify.FaultHandle, error) {
			var names []string
			for _, role := range []cluster.Role{cluster.RoleData, cluster.RoleSentinel} {
				list, err := env.Host.ContainersByRole(ctx, env.Cluster, role)
				if err != nil {
					return nil, err
				}
				names = append(names, list...)
			}
			errs := make(chan error, len(names))
			for _, n := range names {
				go func() { errs <- env.Host.Restart(ctx, n) }()
			}
			var all []error
			for range names {
				all = append(all, <-errs)
			}
			return verify.FaultFuncs{}, errors.Join(all...)
		}}
}
