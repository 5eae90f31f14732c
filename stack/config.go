// Package stack is the Pulumi program: read the stack's config into the cluster
// model, validate it, and hand it to the platform's component. main.go and the
// Automation API (rollouts, tests) run this same program.
package stack

import (
	"fmt"
	"strconv"

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
	cfg := config.New(ctx, ConfigNamespace)
	return specFrom(ctx.Stack(), cfg.Get, func(key string) bool { return ctx.IsConfigSecret(ConfigNamespace + ":" + key) })
}

// SpecFromConfig is LoadSpec outside a Pulumi program, from a stack's config
// values by key (without the project prefix) and whether each is a secret, as
// the Automation API reads them.
func SpecFromConfig(stackName string, values map[string]string, secret map[string]bool) (cluster.Spec, error) {
	return specFrom(stackName, func(key string) string { return values[key] }, func(key string) bool { return secret[key] })
}

func specFrom(stackName string, get func(string) string, isSecret func(string) bool) (cluster.Spec, error) {
	r := reader{get: get, isSecret: isSecret, stack: stackName}
	s := cluster.Spec{
		Name:       r.str(cluster.KeyName),
		Platform:   cluster.Platform(r.str(cluster.KeyPlatform)),
		Mode:       cluster.Mode(r.str(cluster.KeyMode)),
		MasterName: r.str(cluster.KeyMasterName),
		Replicas:   r.positive(cluster.KeyReplicas),
		Sentinels:  r.positive(cluster.KeySentinels),
		Quorum:     r.int(cluster.KeyQuorum),
		Timers: cluster.Timers{
			DownAfterMilliseconds:       r.positive(cluster.KeyDownAfter),
			FailoverTimeoutMilliseconds: r.positive(cluster.KeyFailoverTimeout),
			ParallelSyncs:               r.positive(cluster.KeyParallelSyncs),
		},
		WriteSafety: cluster.WriteSafety{
			MinReplicasToWrite:       r.int(cluster.KeyMinReplicasToWrite),
			MinReplicasMaxLagSeconds: r.positive(cluster.KeyMinReplicasMaxLag),
		},
		Persistence: cluster.Persistence{
			AppendOnly:  r.boolPtr(cluster.KeyAppendOnly),
			AppendFsync: r.str(cluster.KeyAppendFsync),
		},
		Image:            r.str(cluster.KeyImage),
		Ports:            cluster.Ports{Redis: r.positive(cluster.KeyRedisPort), Sentinel: r.positive(cluster.KeySentinelPort)},
		Password:         r.str(cluster.KeyPassword),
		PreviousPassword: r.secret(cluster.KeyPreviousPassword),
		ACL:              r.bool(cluster.KeyACL),
		AppScripting:     r.bool(cluster.KeyAppScripting),
		TLS:              r.bool(cluster.KeyTLS),
		TLSMaterial: cluster.TLSMaterial{
			CACert: r.str(cluster.KeyTLSCACert), Cert: r.str(cluster.KeyTLSCert), Key: r.secret(cluster.KeyTLSKey),
		},
		Monitor: cluster.MonitorSettings{
			Enabled: r.boolPtr(cluster.KeyMonitor),
			Image:   r.str(cluster.KeyMonitorImage),
		},
		Docker: cluster.DockerSettings{
			Subnet:           r.str(cluster.KeyDockerSubnet),
			NodePortBase:     r.positive(cluster.KeyDockerNodePortBase),
			SentinelPortBase: r.positive(cluster.KeyDockerSentinelPortBase),
			MonitorPort:      r.int(cluster.KeyDockerMonitorPort),
		},
		Kubernetes: cluster.KubernetesSettings{
			Namespace:       r.str(cluster.KeyKubeNamespace),
			CreateNamespace: r.boolPtr(cluster.KeyKubeCreateNamespace),
			ClusterDomain:   r.str(cluster.KeyKubeClusterDomain),
			StorageClass:    r.str(cluster.KeyKubeStorageClass),
			DataVolumeSize:  r.str(cluster.KeyKubeDataVolumeSize),
			AntiAffinity:    cluster.AntiAffinity(r.str(cluster.KeyKubeAntiAffinity)),
			NodeResources:   cluster.Resources{CPU: r.str(cluster.KeyKubeNodeCPU), Memory: r.str(cluster.KeyKubeNodeMemory)},
			SentinelResources: cluster.Resources{
				CPU: r.str(cluster.KeyKubeSentinelCPU), Memory: r.str(cluster.KeyKubeSentinelMemory),
			},
			ServiceMonitor: r.bool(cluster.KeyKubeServiceMonitor),
			TLSSecret:      r.str(cluster.KeyKubeTLSSecret),
		},
	}
	if len(r.problems) > 0 {
		return cluster.Spec{}, &cluster.InvalidSpecError{Problems: r.problems}
	}
	return cluster.SetDefaults(s, stackName), nil
}

// reader collects malformed values instead of stopping at the first.
type reader struct {
	get      func(key string) string // "" when unset
	isSecret func(key string) bool
	stack    string
	problems []cluster.Problem
}

func (r *reader) str(key string) string { return r.get(key) }

// secret reads a key that must have been set as a Pulumi secret: a plain
// value would sit unencrypted in Pulumi.<stack>.yaml.
func (r *reader) secret(key string) string {
	v := r.get(key)
	if v != "" && !r.isSecret(key) {
		r.problems = append(r.problems, cluster.Problem{Key: key, Rule: fmt.Sprintf(
			"is stored in plain text: set it with `pulumi config set --secret %s` (and rotate it: it was in Pulumi.%s.yaml unencrypted)", key, r.stack)})
	}
	return v
}

func (r *reader) int(key string) int {
	v, _ := r.parsedInt(key)
	return v
}

// positive reads a key for which 0 is not a value: the spec uses 0 for
// "unset", so an explicit 0 would silently become the default.
func (r *reader) positive(key string) int {
	v, set := r.parsedInt(key)
	if set && v == 0 {
		r.problems = append(r.problems, cluster.Problem{Key: key, Rule: "must be at least 1 (omit the key for the default)"})
	}
	return v
}

// parsedInt returns the key's value and whether it is set to a valid integer;
// a malformed value is recorded as a problem.
func (r *reader) parsedInt(key string) (int, bool) {
	text := r.get(key)
	if text == "" {
		return 0, false
	}
	v, err := strconv.Atoi(text)
	if err != nil {
		r.problems = append(r.problems, cluster.Problem{Key: key, Rule: fmt.Sprintf("%q is not an integer", text)})
		return 0, false
	}
	return v, true
}

func (r *reader) bool(key string) bool {
	v := r.boolPtr(key)
	return v != nil && *v
}

func (r *reader) boolPtr(key string) *bool {
	text := r.get(key)
	if text == "" {
		return nil
	}
	v, err := strconv.ParseBool(text)
	if err != nil {
		r.problems = append(r.problems, cluster.Problem{Key: key, Rule: fmt.Sprintf("%q is not true or false", text)})
		return nil
	}
	return &v
}
