// Package stackoutputs is what every platform component exports, in one shape:
// the addresses clients use and the app's environment contract.
package stackoutputs

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// Outputs are a cluster's stack outputs. AppEnv and DotEnv carry the password
// and are secret.
type Outputs struct {
	// Name is the cluster's name: the resource prefix and label value.
	Name       pulumi.StringOutput
	Platform   pulumi.StringOutput
	Mode       pulumi.StringOutput
	MasterName pulumi.StringOutput
	// Sentinels are host:port addresses as the app reaches them.
	Sentinels pulumi.StringArrayOutput
	// Nodes are the data nodes' announced host:port addresses; Nodes[0] is the
	// initial master (the current one is whatever Sentinel says).
	Nodes pulumi.StringArrayOutput
	// Timers are the Sentinel timers the verifier expects on the live cluster.
	Timers pulumi.IntMapOutput
	AppEnv pulumi.StringMapOutput
	DotEnv pulumi.StringOutput
	// TLSCACert is the CA clients trust when TLS is on (public), else "".
	TLSCACert pulumi.StringOutput
	// AdminUser and AdminPassword (secret) are what the verifier authenticates as.
	AdminUser     pulumi.StringOutput
	AdminPassword pulumi.StringOutput
	// HealthURL and MetricsURL are the monitor's, as the operator's host
	// (Docker) or the cluster (Kubernetes) reaches them; "" without a monitor.
	HealthURL  pulumi.StringOutput
	MetricsURL pulumi.StringOutput
	// Platform-specific outputs (e.g. the Kubernetes namespace), by output name.
	Extra pulumi.Map
}

// New computes the outputs of a cluster with the given layout; caCert is the
// stack's CA certificate (PEM) when TLS is on, else "".
func New(s cluster.Spec, l cluster.Layout, caCert string) Outputs {
	env := cluster.AppEnv(s, l, caCert)
	envMap := pulumi.StringMap{}
	for _, v := range env {
		envMap[v.Name] = pulumi.String(v.Value)
	}
	nodes := make([]string, len(l.Nodes))
	for i, n := range l.Nodes {
		nodes[i] = n.String()
	}
	healthURL, metricsURL := s.MonitorURLs()
	return Outputs{
		HealthURL:  pulumi.String(healthURL).ToStringOutput(),
		MetricsURL: pulumi.String(metricsURL).ToStringOutput(),
		Name:       pulumi.String(s.Name).ToStringOutput(),
		Platform:   pulumi.String(string(s.Platform)).ToStringOutput(),
		Mode:       pulumi.String(string(s.Mode)).ToStringOutput(),
		MasterName: pulumi.String(s.MasterName).ToStringOutput(),
		Sentinels:  pulumi.ToStringArray(l.SentinelAddrs()).ToStringArrayOutput(),
		Nodes:      pulumi.ToStringArray(nodes).ToStringArrayOutput(),
		Timers: pulumi.IntMap{
			cluster.KeyDownAfter:       pulumi.Int(s.Timers.DownAfterMilliseconds),
			cluster.KeyFailoverTimeout: pulumi.Int(s.Timers.FailoverTimeoutMilliseconds),
			cluster.KeyParallelSyncs:   pulumi.Int(s.Timers.ParallelSyncs),
		}.ToIntMapOutput(),
		AppEnv:        pulumi.ToSecret(envMap).(pulumi.StringMapOutput),
		DotEnv:        pulumi.ToSecret(pulumi.String(cluster.DotEnv(env))).(pulumi.StringOutput),
		AdminUser:     pulumi.String(string(s.AdminUser())).ToStringOutput(),
		TLSCACert:     pulumi.String(caCert).ToStringOutput(),
		AdminPassword: pulumi.ToSecret(pulumi.String(s.UserPassword(s.AdminUser()))).(pulumi.StringOutput),
	}
}

// Map is the outputs keyed by their stack output names.
func (o Outputs) Map() pulumi.Map {
	m := pulumi.Map{
		cluster.OutputName:          o.Name,
		cluster.OutputPlatform:      o.Platform,
		cluster.OutputMode:          o.Mode,
		cluster.OutputMasterName:    o.MasterName,
		cluster.OutputSentinels:     o.Sentinels,
		cluster.OutputNodes:         o.Nodes,
		cluster.OutputTimers:        o.Timers,
		cluster.OutputAppEnv:        o.AppEnv,
		cluster.OutputDotEnv:        o.DotEnv,
		cluster.OutputAdminUser:     o.AdminUser,
		cluster.OutputTLSCACert:     o.TLSCACert,
		cluster.OutputAdminPassword: o.AdminPassword,
		cluster.OutputHealthURL:     o.HealthURL,
		cluster.OutputMetricsURL:    o.MetricsURL,
	}
	for name, value := range o.Extra {
		m[name] = value
	}
	return m
}

// Export makes every output a stack output.
func (o Outputs) Export(ctx *pulumi.Context) {
	for name, value := range o.Map() {
		ctx.Export(name, value)
	}
}
