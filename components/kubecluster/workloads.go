package kubecluster

import (
	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	policyv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/policy/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/components/render"
)

// Port names on pods and Services.
const (
	portRedis    = "redis"
	portSentinel = "sentinel"
)

// sentinelVolumeSize is each sentinel's claim: a few KiB of sentinel.conf,
// kept so a sentinel pod that is deleted comes back knowing the master.
const sentinelVolumeSize = "64Mi"

// headlessService gives every pod of both StatefulSets a DNS name,
// <pod>.<service>.<namespace>.svc.<domain>, published before the pod is ready:
// bootstrap and the start scripts resolve peers that are still starting.
func (b builder) headlessService(namespace pulumi.StringInput) (*corev1.Service, error) {
	name := b.spec.HeadlessServiceName()
	ports := corev1.ServicePortArray{servicePort(portRedis, b.spec.Ports.Redis)}
	if b.spec.Mode == cluster.ModeSentinel {
		ports = append(ports, servicePort(portSentinel, b.spec.Ports.Sentinel))
	}
	return corev1.NewService(b.ctx, name, &corev1.ServiceArgs{
		Metadata: b.metadata(namespace, name, ""),
		Spec: &corev1.ServiceSpecArgs{
			ClusterIP:                pulumi.String("None"),
			PublishNotReadyAddresses: pulumi.Bool(true),
			Selector:                 labels(b.spec, ""),
			Ports:                    ports,
		},
	}, pulumi.Parent(b.parent))
}

// sentinelService is the client Service: one stable address in front of
// every ready sentinel.
func (b builder) sentinelService(namespace pulumi.StringInput) error {
	name := b.spec.SentinelServiceName()
	_, err := corev1.NewService(b.ctx, name, &corev1.ServiceArgs{
		Metadata: b.metadata(namespace, name, cluster.RoleSentinel),
		Spec: &corev1.ServiceSpecArgs{
			Selector: labels(b.spec, cluster.RoleSentinel),
			Ports:    corev1.ServicePortArray{servicePort(portSentinel, b.spec.Ports.Sentinel)},
		},
	}, pulumi.Parent(b.parent))
	return err
}

func servicePort(name string, port int) corev1.ServicePortArgs {
	return corev1.ServicePortArgs{Name: pulumi.String(name), Port: pulumi.Int(port), TargetPort: pulumi.String(name)}
}

// nodeStartupSeconds is how long a data pod may take to answer before its
// liveness probe counts: the master guard may hold a node back for
// render.GuardMaxSeconds waiting for a failover (liveness alone would restart
// it after 30 s), and loading a large AOF takes time too.
const nodeStartupSeconds = render.GuardMaxSeconds + 60

// nodeSet is the data nodes' StatefulSet: pod i is cluster node i, its role
// chosen by its start script, its AOF on its own claim, and a pre-stop hook
// that hands mastership over before a planned stop.
func (b builder) nodeSet(namespace pulumi.StringInput, refs configRefs, headless *corev1.Service, credentials pulumi.Resource) (*appsv1.StatefulSet, error) {
	var keys []string
	for i := range b.spec.DataNodeCount() {
		keys = append(keys, ordinalKey(nodeConfPattern, i), ordinalKey(nodeStartPattern, i), ordinalKey(nodePreStopPattern, i))
	}
	p := podSpec{
		role: cluster.RoleData, port: b.spec.Ports.Redis, portName: portRedis,
		command: byOrdinal(nodeStartPattern), preStop: byOrdinal(nodePreStopPattern),
		healthKey: keyNodeHealthcheck, authKey: keyRedisAuth, configKeys: keys,
		resources: b.spec.Kubernetes.NodeResources, gracePeriod: gracePeriodSeconds, tls: b.spec.TLS,
		startupSeconds: nodeStartupSeconds,
	}
	return b.statefulSet(namespace, refs.nodeConfig, refs, headless, b.spec.NodeSetName(), p, b.spec.DataNodeCount(), b.spec.Kubernetes.DataVolumeSize, []pulumi.Resource{credentials})
}

// sentinelSet is the sentinels' StatefulSet. Each sentinel keeps its rewritten
// config on a small claim, so a deleted sentinel pod returns knowing the
// current master; a new one asks its peers (render.SentinelStartScript).
func (b builder) sentinelSet(namespace pulumi.StringInput, refs configRefs, headless *corev1.Service, nodes *appsv1.StatefulSet) (*appsv1.StatefulSet, error) {
	var keys []string
	for i := range b.spec.Sentinels {
		keys = append(keys, ordinalKey(sentinelConfPattern, i), ordinalKey(sentinelStartPattern, i))
	}
	p := podSpec{
		role: cluster.RoleSentinel, port: b.spec.Ports.Sentinel, portName: portSentinel,
		command:   byOrdinal(sentinelStartPattern),
		healthKey: keySentinelHealthcheck, authKey: keySentinelAuth, configKeys: keys,
		resources: b.spec.Kubernetes.SentinelResources, gracePeriod: 10, tls: b.spec.TLS,
	}
	return b.statefulSet(namespace, refs.sentinelConfig, refs, headless, b.spec.SentinelSetName(), p, b.spec.Sentinels, sentinelVolumeSize, []pulumi.Resource{nodes})
}

func (b builder) statefulSet(namespace, configMap pulumi.StringInput, refs configRefs, headless *corev1.Service, name string, p podSpec, replicas int, volumeSize string, deps []pulumi.Resource) (*appsv1.StatefulSet, error) {
	template := b.template(p, configMap, refs)
	set, err := appsv1.NewStatefulSet(b.ctx, name, &appsv1.StatefulSetArgs{
		Metadata: b.metadata(namespace, name, p.role),
		Spec: &appsv1.StatefulSetSpecArgs{
			ServiceName: headless.Metadata.Name().Elem(),
			Replicas:    pulumi.Int(replicas),
			Selector:    metav1.LabelSelectorArgs{MatchLabels: labels(b.spec, p.role)},
			// Pods start together: each decides its own role, so none waits
			// for another (a full restart recovers in one round).
			PodManagementPolicy: pulumi.String("Parallel"),
			UpdateStrategy:      appsv1.StatefulSetUpdateStrategyArgs{Type: pulumi.String("RollingUpdate")},
			Template:            template,
			VolumeClaimTemplates: corev1.PersistentVolumeClaimTypeArray{corev1.PersistentVolumeClaimTypeArgs{
				Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(volumeData), Labels: labels(b.spec, p.role)},
				Spec: &corev1.PersistentVolumeClaimSpecArgs{
					AccessModes:      pulumi.ToStringArray([]string{"ReadWriteOnce"}),
					StorageClassName: b.storageClass(),
					Resources: &corev1.VolumeResourceRequirementsArgs{
						Requests: pulumi.StringMap{"storage": pulumi.String(volumeSize)},
					},
				},
			}},
			// Claims outlive the StatefulSet: if an update ever has to replace
			// it, the new pods find their data. Destroy removes them with the
			// namespace the stack owns (kubernetesCreateNamespace); in a shared
			// namespace they stay, deliberately, until deleted by hand.
			PersistentVolumeClaimRetentionPolicy: appsv1.StatefulSetPersistentVolumeClaimRetentionPolicyArgs{
				WhenDeleted: pulumi.String("Retain"),
				WhenScaled:  pulumi.String("Retain"),
			},
		},
	}, pulumi.Parent(b.parent), pulumi.DependsOn(deps))
	if err != nil {
		return nil, err
	}
	return set, b.disruptionBudget(namespace, p.role, set)
}

// disruptionBudget lets voluntary disruptions (drains) take one pod of a role
// at a time, so a drain never costs the quorum or more than one data node.
func (b builder) disruptionBudget(namespace pulumi.StringInput, role cluster.Role, set *appsv1.StatefulSet) error {
	name := b.spec.DisruptionBudgetName(role)
	_, err := policyv1.NewPodDisruptionBudget(b.ctx, name, &policyv1.PodDisruptionBudgetArgs{
		Metadata: b.metadata(namespace, name, role),
		Spec: policyv1.PodDisruptionBudgetSpecArgs{
			MaxUnavailable: pulumi.Int(1),
			Selector:       metav1.LabelSelectorArgs{MatchLabels: labels(b.spec, role)},
		},
	}, pulumi.Parent(b.parent), pulumi.DependsOn([]pulumi.Resource{set}))
	return err
}

func (b builder) storageClass() pulumi.StringPtrInput {
	if b.spec.Kubernetes.StorageClass == "" {
		return nil // the cluster's default class
	}
	return pulumi.String(b.spec.Kubernetes.StorageClass)
}
