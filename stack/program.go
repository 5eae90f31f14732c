package stack

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
	"k8s.io/client-go/kubernetes"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/components/dockercluster"
	"github.com/platform-team/redis-sentinel/components/kubecluster"
	"github.com/platform-team/redis-sentinel/components/stackoutputs"
)

// ComponentName is the name of the cluster component in every stack.
const ComponentName = "redis"

// Program is the Pulumi program: config → validated spec → platform component
// → stack outputs. Invalid config fails here, before any resource exists.
func Program(ctx *pulumi.Context) error {
	spec, err := LoadSpec(ctx)
	if err != nil {
		return err
	}
	if spec, err = readTLSSecret(ctx, spec); err != nil {
		return err
	}
	if err := cluster.Validate(spec); err != nil {
		return err
	}
	if err := requireProviderSettings(ctx, spec); err != nil {
		return err
	}
	for _, w := range cluster.Warnings(spec) {
		_ = ctx.Log.Warn(w, nil)
	}
	outputs, err := deploy(ctx, spec)
	if err != nil {
		return err
	}
	outputs.Export(ctx)
	return nil
}

// KubeClient connects to the cluster the kubernetes provider deploys to; a
// variable so the program's unit tests can hand it a fake clientset.
var KubeClient = func(c kubecluster.Connection) (kubernetes.Interface, error) { return c.Client() }

// readTLSSecret fills the spec's TLS material from its kubernetesTlsSecret,
// read with the default kubernetes provider's kubeconfig and context.
func readTLSSecret(ctx *pulumi.Context, spec cluster.Spec) (cluster.Spec, error) {
	if spec.Kubernetes.TLSSecret == "" || spec.Platform != cluster.PlatformKubernetes {
		return spec, nil
	}
	provider := config.New(ctx, "kubernetes")
	client, err := KubeClient(kubecluster.Connection{Kubeconfig: provider.Get("kubeconfig"), Context: provider.Get("context")})
	if err != nil {
		return spec, fmt.Errorf("%s: %w", cluster.KeyKubeTLSSecret, err)
	}
	return kubecluster.ReadTLSSecret(ctx.Context(), client, spec)
}

func deploy(ctx *pulumi.Context, spec cluster.Spec) (stackoutputs.Outputs, error) {
	switch spec.Platform {
	case cluster.PlatformDocker:
		c, err := dockercluster.NewDockerSentinelCluster(ctx, ComponentName, &dockercluster.DockerSentinelClusterArgs{Spec: spec})
		if err != nil {
			return stackoutputs.Outputs{}, err
		}
		return c.Outputs, nil
	case cluster.PlatformKubernetes:
		c, err := kubecluster.NewKubeSentinelCluster(ctx, ComponentName, &kubecluster.KubeSentinelClusterArgs{Spec: spec})
		if err != nil {
			return stackoutputs.Outputs{}, err
		}
		return c.Outputs, nil
	default:
		return stackoutputs.Outputs{}, fmt.Errorf("%s: platform %q is not supported yet", cluster.KeyPlatform, spec.Platform)
	}
}
