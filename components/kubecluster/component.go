// Package kubecluster provisions a Redis Sentinel cluster on Kubernetes as one
// Pulumi component: an optional namespace, a credentials Secret and the Job
// that applies it live, ConfigMaps with the rendered configs and scripts, a headless Service that
// names every pod, a StatefulSet of data nodes and one of sentinels (each with
// claims, probes and a disruption budget), a client Service for the
// sentinels, a Job that applies live settings, and the always-on monitor
// (a Deployment and its Service, see monitor.go).
//
// Sentinels run in their own StatefulSet, not as sidecars: deleting or
// draining a data pod (the master above all) then never takes a sentinel with
// it, so the quorum that must elect the new master is intact exactly when it
// is needed, and the two roles scale and roll independently.
package kubecluster

import (
	"fmt"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/components/render"
	"github.com/platform-team/redis-sentinel/components/stackoutputs"
)

// ComponentType is the Pulumi type token of KubeSentinelCluster.
const ComponentType = "redis-sentinel:kubernetes:KubeSentinelCluster"

// KubeSentinelClusterArgs are the component's inputs.
type KubeSentinelClusterArgs struct {
	// Spec is the defaulted, validated cluster model (cluster.SetDefaults, cluster.Validate).
	Spec cluster.Spec
}

// KubeSentinelCluster is a Redis Sentinel cluster on Kubernetes. Pass a
// kubernetes provider with pulumi.Provider to target a cluster other than the
// default provider's (kubernetes:kubeconfig / kubernetes:context / $KUBECONFIG).
type KubeSentinelCluster struct {
	pulumi.ResourceState

	// Outputs are what the stack exports: addresses, nodes and the app contract.
	Outputs stackoutputs.Outputs
	// Namespace holds every object (created by the component unless
	// kubernetesCreateNamespace is false).
	Namespace pulumi.StringOutput
	// Nodes and Sentinels are the two StatefulSets.
	Nodes     *appsv1.StatefulSet
	Sentinels *appsv1.StatefulSet
	// SentinelService is the in-cluster host:port of the sentinels' client Service.
	SentinelService pulumi.StringOutput
	// Monitor is the always-on monitor's Deployment (nil with monitor: false).
	Monitor *appsv1.Deployment
}

// NewKubeSentinelCluster creates the cluster. The spec must already be
// validated: this function only fails on programming errors and Pulumi errors.
func NewKubeSentinelCluster(ctx *pulumi.Context, name string, args *KubeSentinelClusterArgs, opts ...pulumi.ResourceOption) (*KubeSentinelCluster, error) {
	if args == nil {
		return nil, fmt.Errorf("kubecluster %s: args are required", name)
	}
	spec := args.Spec
	if err := cluster.Validate(spec); err != nil {
		return nil, err
	}
	c := &KubeSentinelCluster{}
	if err := ctx.RegisterComponentResource(ComponentType, name, c, opts...); err != nil {
		return nil, fmt.Errorf("register %s: %w", name, err)
	}
	layout := cluster.KubernetesLayout(spec)
	tlsFiles, err := render.TLSFor(spec, layout)
	if err != nil {
		return nil, err
	}
	if spec.Kubernetes.TLSSecret != "" {
		// The pods mount the user's Secret: of its material only ca.crt (what
		// clients trust) goes into outputs and the monitor's Secret.
		tlsFiles = render.TLSFiles{CACert: tlsFiles.CACert}
	}
	b := builder{ctx: ctx, spec: spec, layout: layout, parent: c, tls: tlsFiles}
	if err := b.build(c); err != nil {
		return nil, fmt.Errorf("kubecluster %s: %w", name, err)
	}
	c.SentinelService = pulumi.String(spec.SentinelServiceAddr().String()).ToStringOutput()
	c.Outputs = stackoutputs.New(spec, b.layout, tlsFiles.CACert)
	c.Outputs.Extra = pulumi.Map{cluster.OutputNamespace: c.Namespace, cluster.OutputSentinelService: c.SentinelService}
	outputs := c.Outputs.Map()
	if err := ctx.RegisterResourceOutputs(c, outputs); err != nil {
		return nil, fmt.Errorf("register outputs of %s: %w", name, err)
	}
	return c, nil
}

// builder holds what every child needs while the component is assembled.
type builder struct {
	ctx    *pulumi.Context
	spec   cluster.Spec
	layout cluster.Layout
	parent pulumi.Resource
	tls    render.TLSFiles // empty without TLS
}

func (b builder) build(c *KubeSentinelCluster) error {
	namespace, err := b.namespace()
	if err != nil {
		return err
	}
	c.Namespace = namespace
	refs, err := b.configs(namespace)
	if err != nil {
		return err
	}
	headless, err := b.headlessService(namespace)
	if err != nil {
		return err
	}
	// Credentials are applied to the running processes before any pod rolls,
	// so a rolled pod (which reads the new ones) and a pod that has not rolled
	// yet always accept each other.
	credentials, err := b.credentialsJob(namespace, refs, headless)
	if err != nil {
		return err
	}
	if c.Nodes, err = b.nodeSet(namespace, refs, headless, credentials); err != nil {
		return err
	}
	// What the monitor waits for: the data nodes, with Sentinel the settings
	// applied (after every sentinel is ready).
	upFirst := []pulumi.Resource{c.Nodes}
	if b.spec.Mode == cluster.ModeSentinel {
		settings, err := b.sentinels(c, namespace, refs, headless)
		if err != nil {
			return err
		}
		upFirst = []pulumi.Resource{settings}
	}
	if !b.spec.Monitor.IsEnabled() {
		return nil
	}
	c.Monitor, err = b.monitor(namespace, upFirst)
	return err
}

// sentinels adds the sentinels, their client Service and the settings Job,
// which it returns.
func (b builder) sentinels(c *KubeSentinelCluster, namespace pulumi.StringInput, refs configRefs, headless *corev1.Service) (*batchv1.Job, error) {
	// Sentinels start once the data nodes are ready, so their first view of
	// the cluster is the bootstrapped one.
	sentinels, err := b.sentinelSet(namespace, refs, headless, c.Nodes)
	if err != nil {
		return nil, err
	}
	c.Sentinels = sentinels
	if err := b.sentinelService(namespace); err != nil {
		return nil, err
	}
	return b.settingsJob(namespace, refs, c.Nodes, c.Sentinels)
}

// namespace creates the namespace when the component owns it; either way the
// returned name is what every child is placed in (and, when created, depends on).
func (b builder) namespace() (pulumi.StringOutput, error) {
	name := b.spec.Kubernetes.Namespace
	if !b.spec.Kubernetes.CreatesNamespace() {
		return pulumi.String(name).ToStringOutput(), nil
	}
	ns, err := corev1.NewNamespace(b.ctx, name, &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(name), Labels: labels(b.spec, "")},
	}, pulumi.Parent(b.parent))
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return ns.Metadata.Name().Elem(), nil
}

// configMap is one role's auto-named ConfigMap; it returns the name pods mount.
func (b builder) configMap(namespace pulumi.StringInput, role cluster.Role, files map[string]string) (pulumi.StringOutput, error) {
	cm, err := corev1.NewConfigMap(b.ctx, b.spec.ConfigMapName(role), &corev1.ConfigMapArgs{
		Metadata: b.metadata(namespace, "", role),
		Data:     pulumi.ToStringMap(files),
	}, pulumi.Parent(b.parent))
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return cm.Metadata.Name().Elem(), nil
}

// configs creates the Secrets and ConfigMaps the pods mount. The ConfigMaps
// and the TLS Secret are auto-named (<name>-<random suffix>): a change creates
// new ones and the StatefulSets roll onto them pod by pod (pre-stop handovers
// included); with fixed names Pulumi would have to delete them first, and
// replace every dependent StatefulSet with them. The credentials Secret has a
// fixed name and is updated in place (the provider must be told so, see
// stack.KeyKubeSecretMutable): a password change reaches the running
// processes through the credentials Job, never by a roll.
func (b builder) configs(namespace pulumi.StringInput) (configRefs, error) {
	credentials, err := corev1.NewSecret(b.ctx, b.spec.CredentialsSecretName(), &corev1.SecretArgs{
		Metadata: b.metadata(namespace, b.spec.CredentialsSecretName(), ""),
		Type:     pulumi.String("Opaque"),
		// The whole map is secret: Pulumi encrypts it in the state and the
		// provider never prints it.
		StringData: pulumi.ToSecret(pulumi.ToStringMap(b.credentialFiles())).(pulumi.StringMapOutput),
	}, pulumi.Parent(b.parent))
	if err != nil {
		return configRefs{}, err
	}
	refs := configRefs{credentials: credentials.Metadata.Name().Elem(), tlsFromSecret: b.spec.Kubernetes.TLSSecret != ""}
	switch {
	case refs.tlsFromSecret:
		refs.tls = pulumi.String(b.spec.Kubernetes.TLSSecret)
	case b.spec.TLS:
		key, err := corev1.NewSecret(b.ctx, b.spec.TLSKeySecretName(), &corev1.SecretArgs{
			Metadata:   b.metadata(namespace, "", ""),
			Type:       pulumi.String("Opaque"),
			StringData: pulumi.ToSecret(pulumi.ToStringMap(map[string]string{keyTLSKey: b.tls.Key})).(pulumi.StringMapOutput),
		}, pulumi.Parent(b.parent), replacedOnChange)
		if err != nil {
			return configRefs{}, err
		}
		refs.tls = key.Metadata.Name().Elem()
	}
	if refs.nodeConfig, err = b.configMap(namespace, cluster.RoleData, nodeFiles(b.spec, b.layout, b.tls)); err != nil {
		return configRefs{}, err
	}
	if b.spec.Mode == cluster.ModeSentinel {
		if refs.sentinelConfig, err = b.configMap(namespace, cluster.RoleSentinel, sentinelFiles(b.spec, b.layout, b.tls)); err != nil {
			return configRefs{}, err
		}
	}
	return refs, nil
}

// replacedOnChange keeps an auto-named Secret content-named although the
// provider updates Secrets in place (stack.KeyKubeSecretMutable, which the
// fixed-name credentials Secret needs): new content, new name, and the pods
// that mount it roll onto it.
var replacedOnChange = pulumi.ReplaceOnChanges([]string{"data", "stringData"})

// configRefs are the names pods mount their configs and secrets by.
type configRefs struct {
	credentials    pulumi.StringOutput
	nodeConfig     pulumi.StringOutput
	sentinelConfig pulumi.StringOutput
	// tls is the Secret with the TLS key (nil without TLS); with
	// tlsFromSecret, the user's kubernetesTlsSecret, certificates included.
	tls           pulumi.StringInput
	tlsFromSecret bool
}

// metadata names an object explicitly (pods and tools find each other by
// these names; "" lets Pulumi auto-name it) in the cluster's namespace,
// labelled with its role.
func (b builder) metadata(namespace pulumi.StringInput, name string, role cluster.Role) *metav1.ObjectMetaArgs {
	m := &metav1.ObjectMetaArgs{Namespace: namespace, Labels: labels(b.spec, role)}
	if name != "" {
		m.Name = pulumi.String(name)
	}
	return m
}
