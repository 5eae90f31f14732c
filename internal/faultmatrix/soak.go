package faultmatrix

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/dockerhost"
	"github.com/platform-team/redis-sentinel/soak"
	"github.com/platform-team/redis-sentinel/verify"
)

// SoakKinds are the Docker faults a soak draws from: the matrix's single
// faults, each healed when its hold is up (a frozen or partitioned master
// possibly while its failover is under way: see soak.Kind.ResumesMaster).
// crash-restart and data-loss
// bring the master back at once, before any failover (their hold only delays
// the next fault). Excluded by design: two sentinels down at once (quorum 2
// of 3 is lost, so no failover can be authorized and writes stop until a
// sentinel returns: a wait, not a test), and two faults in force at once (a
// fault may start while the previous one heals, never before it is healed).
// restart-all takes every process down, so nothing overlaps it.
func SoakKinds(env Env) []soak.Kind {
	faults := dockerhost.ClusterFaults{Host: env.Host, Cluster: env.Cluster}
	var nextSentinel atomic.Int64
	return []soak.Kind{
		{Name: "kill", MayOverlap: true, Fault: verify.CrashFault(faults)},
		{Name: "crash-restart", MayOverlap: true, Fault: verify.CrashRestartFault(faults)},
		{Name: "data-loss", MayOverlap: true, Fault: verify.DataLossFault(faults)},
		{Name: "pause", MayOverlap: true, ResumesMaster: true, Fault: containerFault("pause", verify.FailoverAllowed, 0, faults, env.Host.Pause, env.Host.Unpause)},
		{Name: "partition", MayOverlap: true, ResumesMaster: true, Fault: containerFault("partition", verify.FailoverAllowed, 0, faults,
			func(ctx context.Context, c string) error { return env.Host.Disconnect(ctx, env.Network, c) },
			func(ctx context.Context, c string) error { return env.Host.Connect(ctx, env.Network, c) })},
		{Name: "sentinel-down", MayOverlap: true, Fault: verify.Fault{Name: "sentinel-down", Inject: func(ctx context.Context, _ string) (verify.FaultHandle, error) {
			sentinels, err := env.Host.ContainersByRole(ctx, env.Cluster, cluster.RoleSentinel)
			if err != nil || len(sentinels) == 0 {
				return nil, errors.Join(err, fmt.Errorf("no sentinel container of %s", env.Cluster))
			}
			s := sentinels[int(nextSentinel.Add(1))%len(sentinels)] // each in turn
			if err := env.Host.Stop(ctx, s); err != nil {
				return nil, err
			}
			return verify.FaultFuncs{OnHeal: func(ctx context.Context) error { return env.Host.Start(ctx, s) }}, nil
		}}},
		{Name: "replica-down", MayOverlap: true, Fault: replicaDownFault(env, faults, 0)},
		{Name: "restart-all", Fault: restartAllFault(env)},
	}
}
