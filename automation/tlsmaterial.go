package automation

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/components/render"
	"github.com/platform-team/redis-sentinel/stack"
)

// What EnsureTLSMaterial did.
const (
	TLSMaterialUnchanged = "" // no TLS, or the stack already has its own material
	TLSMaterialKept      = "kept the certificates the stack serves"
	TLSMaterialGenerated = "generated a CA and a certificate"
)

// EnsureTLSMaterial gives a TLS stack certificates of its own, kept as stack
// config (tlsCaCert, tlsCert, and tlsKey as a secret), so they no longer
// change with the password and can be rotated on their own. A deployed stack
// keeps exactly the certificates it serves (those derived from its password),
// so the next `up` changes nothing; a stack not deployed yet gets a fresh CA
// and certificate with random keys.
func EnsureTLSMaterial(ctx context.Context, s auto.Stack) (string, error) {
	spec, err := SpecOf(ctx, s)
	if err != nil {
		return "", err
	}
	if !spec.TLS || spec.TLSMaterial.IsSet() || spec.Kubernetes.TLSSecret != "" {
		return TLSMaterialUnchanged, nil
	}
	if err := cluster.Validate(spec); err != nil {
		return "", fmt.Errorf("stack %s: %w", s.Name(), err)
	}
	layout, err := cluster.LayoutFor(spec)
	if err != nil {
		return "", fmt.Errorf("stack %s: %w", s.Name(), err)
	}
	outputs, err := s.Outputs(ctx)
	if err != nil {
		return "", fmt.Errorf("stack %s: read outputs: %w", s.Name(), err)
	}
	served, _ := outputs[cluster.OutputTLSCACert].Value.(string)
	what := TLSMaterialGenerated
	var files render.TLSFiles
	if served != "" {
		what = TLSMaterialKept
		if files, err = render.RenderTLS(spec, layout); err != nil {
			return "", err
		}
		if files.CACert != served {
			return "", fmt.Errorf("stack %s: the config no longer derives the CA the stack serves (was %s changed since the last up?): "+
				"restore it and run this again, or set %s, %s and %s yourself", s.Name(), cluster.KeyPassword, cluster.KeyTLSCACert, cluster.KeyTLSCert, cluster.KeyTLSKey)
		}
	} else if files, err = render.GenerateTLS(spec, layout, time.Now()); err != nil {
		return "", err
	}
	err = s.SetAllConfig(ctx, auto.ConfigMap{
		ProjectName + ":" + cluster.KeyTLSCACert: {Value: files.CACert},
		ProjectName + ":" + cluster.KeyTLSCert:   {Value: files.Cert},
		ProjectName + ":" + cluster.KeyTLSKey:    {Value: files.Key, Secret: true},
	})
	if err != nil {
		return "", fmt.Errorf("stack %s: keep the TLS material: %w", s.Name(), err)
	}
	return what, nil
}

// SpecOf is the defaulted spec a stack's config makes, as the program reads
// it (without what the program reads from elsewhere: a kubernetesTlsSecret).
func SpecOf(ctx context.Context, s auto.Stack) (cluster.Spec, error) {
	all, err := s.GetAllConfig(ctx)
	if err != nil {
		return cluster.Spec{}, fmt.Errorf("stack %s: read config: %w", s.Name(), err)
	}
	values, secret := map[string]string{}, map[string]bool{}
	for k, v := range all {
		if key, ok := strings.CutPrefix(k, ProjectName+":"); ok {
			values[key], secret[key] = v.Value, v.Secret
		}
	}
	spec, err := stack.SpecFromConfig(s.Name(), values, secret)
	if err != nil {
		return cluster.Spec{}, fmt.Errorf("stack %s: %w", s.Name(), err)
	}
	return spec, nil
}
