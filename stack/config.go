// Package stack is the Pulumi program: read the stack's config into the cluster
// model, validate it, and hand it to the platform's component. main.go and the
// Automation API (rollouts, tests) run this same program.
package stack

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// ConfigNamespace is the project name, under which every key lives
// (`redis-sentinel:replicas`).
const ConfigNamespace = "redis-sentinel"

// LoadSpec reads the stack config into a defaulted spec. Keys that are set but
// malformed are reported together, by key; semantic rules are cluster.Validate's.
func LoadSpec(ctx *pulumi.Context) (cluster.Spec, error) {
	r := reader{cfg: config.New(ctx, ConfigNamespace)}
	s := cluster.Spec{
		Name:       r.str(cluster.KeyName),
		Platform:   cluster.Platform(r.str(cluster.KeyPlatform)),
		Mode:       cluster.Mode(r.str(cluster.KeyMode)),
		MasterName: r.str(cluster.KeyMasterName),
		Replicas:   r.int(cluster.KeyReplicas),
		Sentinels:  r.int(cluster.KeySentinels),
		Quorum:     r.int(cluster.KeyQuorum),
		Timers: cluster.Timers{
			DownAfterMilliseconds:       r.int(cluster.KeyDownAfter),
			FailoverTimeoutMilliseconds: r.int(cluster.KeyFailoverTimeout),
			ParallelSyncs:               r.int(cluster.KeyParallelSyncs),
		},
		WriteSafety: cluster.WriteSafety{
			MinReplicasToWrite:       r.int(cluster.KeyMinReplicasToWrite),
			MinReplicasMaxLagSeconds: r.int(cluster.KeyMinReplicasMaxLag),
		},
		Persistence: cluster.Persistence{
			AppendOnly:  r.boolPtr(cluster.KeyAppendOnly),
			AppendFsync: r.str(cluster.KeyAppendFsync),
		},
		Image:    r.str(cluster.KeyImage),
		Ports:    cluster.Ports{Redis: r.int(cluster.KeyRedisPort), Sentinel: r.int(cluster.KeySentinelPort)},
		Password: r.str(cluster.KeyPassword),
		Docker: cluster.DockerSettings{
			Subnet:           r.str(cluster.KeyDockerSubnet),
			NodePortBase:     r.int(cluster.KeyDockerNodePortBase),
			SentinelPortBase: r.int(cluster.KeyDockerSentinelPortBase),
		},
	}
	if len(r.problems) > 0 {
		return cluster.Spec{}, &cluster.InvalidSpecError{Problems: r.problems}
	}
	return cluster.SetDefaults(s, ctx.Stack()), nil
}

// reader collects malformed values instead of stopping at the first.
type reader struct {
	cfg      *config.Config
	problems []cluster.Problem
}

func (r *reader) str(key string) string { return r.cfg.Get(key) }

func (r *reader) int(key string) int {
	v, err := r.cfg.TryInt(key)
	if err != nil && !errors.Is(err, config.ErrMissingVar) {
		r.problems = append(r.problems, cluster.Problem{Key: key, Rule: fmt.Sprintf("%q is not an integer", r.cfg.Get(key))})
	}
	return v
}

func (r *reader) boolPtr(key string) *bool {
	v, err := r.cfg.TryBool(key)
	if errors.Is(err, config.ErrMissingVar) {
		return nil
	}
	if err != nil {
		r.problems = append(r.problems, cluster.Problem{Key: key, Rule: fmt.Sprintf("%q is not true or false", r.cfg.Get(key))})
		return nil
	}
	return &v
}
