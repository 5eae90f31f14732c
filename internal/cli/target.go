package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/platform-team/redis-sentinel/automation"
	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/verify"
)

// targetFlags choose the cluster: a stack's outputs, or the app's env contract
// (flags override the environment).
type targetFlags struct {
	stack      string
	workDir    string
	sentinels  string
	masterName string
	dns        string
}

func (f *targetFlags) bind(fs *pflag.FlagSet) {
	fs.StringVarP(&f.stack, "stack", "s", "", "read the cluster from this stack's outputs (secrets included)")
	fs.StringVar(&f.workDir, "project-dir", ".", "Pulumi project directory, with --stack")
	fs.StringVar(&f.sentinels, "sentinels", "", "host:port,... (default $"+cluster.EnvSentinels+")")
	fs.StringVar(&f.masterName, "master-name", "", "Sentinel master name (default $"+cluster.EnvSentinelMasterName+")")
	bindDNS(fs, &f.dns)
}

// bindDNS binds --dns, for commands that reach Kubernetes stacks from outside.
func bindDNS(fs *pflag.FlagSet, dns *string) {
	fs.StringVar(dns, "dns", "", "resolve names through this DNS server (host:port), e.g. a Kubernetes cluster's DNS on a host that routes the pod network")
}

// dnsDialer is the dialer --dns asks for; nil (the system resolver) without it.
func dnsDialer(dns string) verify.Dialer {
	if dns == "" {
		return nil
	}
	return verify.DialerVia(dns, 2*time.Second)
}

// withDialer applies --dns to the target.
func (f *targetFlags) withDialer(t verify.Target) verify.Target {
	if d := dnsDialer(f.dns); d != nil {
		t.Dialer = d
	}
	return t
}

// resolve builds the verifier target (a standalone node's when the stack or
// the environment is standalone), and returns the stack's outputs when
// the target came from a stack. The password only ever comes from the stack's
// secret outputs or $REDIS_PASSWORD, never from a flag (argv is public).
func (f *targetFlags) resolve(ctx context.Context) (verify.Target, *automation.Deployed, error) {
	if f.stack != "" {
		d, err := automation.ReadDeployed(ctx, f.stack, f.workDir)
		if err != nil {
			return verify.Target{}, nil, err
		}
		return f.withDialer(d.Target(true)), &d, nil
	}
	t := verify.Target{
		Sentinels:  splitList(firstNonEmpty(f.sentinels, os.Getenv(cluster.EnvSentinels))),
		MasterName: firstNonEmpty(f.masterName, os.Getenv(cluster.EnvSentinelMasterName)),
		Username:   os.Getenv(cluster.EnvUsername),
		Password:   os.Getenv(cluster.EnvPassword),
	}
	if len(t.Sentinels) == 0 && os.Getenv(cluster.EnvSentinelEnabled) == "false" {
		t.Standalone = os.Getenv(cluster.EnvHost)
	}
	if len(t.Sentinels) == 0 && t.Standalone == "" {
		return t, nil, fmt.Errorf("no cluster given: use --stack NAME, --sentinels / $%s, or $%s=false with $%s", cluster.EnvSentinels, cluster.EnvSentinelEnabled, cluster.EnvHost)
	}
	if t.MasterName == "" {
		t.MasterName = cluster.DefaultMasterName
	}
	if os.Getenv(cluster.EnvTLS) == "true" {
		cfg, err := verify.TLSConfigFromPEM(os.Getenv(cluster.EnvTLSCACert))
		if err != nil {
			return t, nil, fmt.Errorf("$%s: %w", cluster.EnvTLSCACert, err)
		}
		t.TLS = cfg
	}
	return f.withDialer(t), nil, nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
