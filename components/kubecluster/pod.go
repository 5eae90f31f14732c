package kubecluster

import (
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/components/render"
)

// The official image's redis user; the local image uses the same ids.
const redisUID = 999

// Probe timing: readiness gates `pulumi up` and the StatefulSet rollout, so it
// is quick; liveness only restarts a process that stayed dead for 30 s.
const (
	readinessPeriodSeconds = 2
	probeTimeoutSeconds    = 3
	livenessPeriodSeconds  = 5
	livenessFailures       = 6
	startupPeriodSeconds   = 2
)

// Volume names inside the pod templates.
const (
	volumeRun  = "run"
	volumeData = "data"
	volumeTmp  = "tmp"
)

// podSpec is what differs between a data node pod and a sentinel pod.
type podSpec struct {
	role        cluster.Role
	port        int
	portName    string
	command     []string
	preStop     []string
	healthKey   string
	authKey     string
	resources   cluster.Resources
	gracePeriod int
	configKeys  []string
	tls         bool // mount the TLS files too
	// startupSeconds, when set, is how long the process may take to answer
	// after the container starts before liveness counts (a startup probe).
	startupSeconds int
}

// template is a pod template running one Redis process as the redis user
// with a read-only root filesystem: configs and scripts from the ConfigMap,
// the password and auth fragment from the credentials Secret, the TLS files
// from the ConfigMap and TLS Secret (all projected read-only into runDir),
// its data on the claim volumeData.
func (b builder) template(p podSpec, configMap pulumi.StringInput, refs configRefs) *corev1.PodTemplateSpecArgs {
	container := corev1.ContainerArgs{
		Name:            pulumi.String(string(p.role)),
		Image:           pulumi.String(b.spec.Image),
		ImagePullPolicy: pulumi.String("IfNotPresent"),
		Command:         pulumi.ToStringArray(p.command),
		Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{
			Name: pulumi.String(p.portName), ContainerPort: pulumi.Int(p.port),
		}},
		ReadinessProbe: probe(readinessPeriodSeconds, 2),
		LivenessProbe:  probe(livenessPeriodSeconds, livenessFailures),
		Resources: corev1.ResourceRequirementsArgs{
			Requests: pulumi.StringMap{"cpu": pulumi.String(p.resources.CPU), "memory": pulumi.String(p.resources.Memory)},
			Limits:   pulumi.StringMap{"memory": pulumi.String(p.resources.Memory)},
		},
		SecurityContext: containerSecurity(),
		VolumeMounts: corev1.VolumeMountArray{
			corev1.VolumeMountArgs{Name: pulumi.String(volumeRun), MountPath: pulumi.String(runDir), ReadOnly: pulumi.Bool(true)},
			corev1.VolumeMountArgs{Name: pulumi.String(volumeData), MountPath: pulumi.String(cluster.DataDir)},
			corev1.VolumeMountArgs{Name: pulumi.String(volumeTmp), MountPath: pulumi.String("/tmp")},
		},
	}
	if p.startupSeconds > 0 {
		container.StartupProbe = probe(startupPeriodSeconds, p.startupSeconds/startupPeriodSeconds)
	}
	if p.preStop != nil {
		container.Lifecycle = corev1.LifecycleArgs{PreStop: corev1.LifecycleHandlerArgs{
			Exec: corev1.ExecActionArgs{Command: pulumi.ToStringArray(p.preStop)},
		}}
	}
	return &corev1.PodTemplateSpecArgs{
		Metadata: &metav1.ObjectMetaArgs{Labels: labels(b.spec, p.role), Annotations: b.podAnnotations()},
		Spec: &corev1.PodSpecArgs{
			Containers:                    corev1.ContainerArray{container},
			TerminationGracePeriodSeconds: pulumi.Int(p.gracePeriod),
			Affinity:                      b.affinity(p.role),
			SecurityContext:               podSecurity(),
			AutomountServiceAccountToken:  pulumi.Bool(false),
			Volumes: corev1.VolumeArray{
				runVolume(p, configMap, refs),
				corev1.VolumeArgs{Name: pulumi.String(volumeTmp), EmptyDir: corev1.EmptyDirVolumeSourceArgs{}},
			},
		},
	}
}

// podSecurity runs every container as the image's redis user, never root.
func podSecurity() corev1.PodSecurityContextArgs {
	return corev1.PodSecurityContextArgs{
		RunAsNonRoot:   pulumi.Bool(true),
		RunAsUser:      pulumi.Int(redisUID),
		RunAsGroup:     pulumi.Int(redisUID),
		FsGroup:        pulumi.Int(redisUID),
		SeccompProfile: corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
	}
}

// containerSecurity: no privilege, no capability, nothing written outside volumes.
func containerSecurity() corev1.SecurityContextArgs {
	return corev1.SecurityContextArgs{
		AllowPrivilegeEscalation: pulumi.Bool(false),
		ReadOnlyRootFilesystem:   pulumi.Bool(true),
		Capabilities:             corev1.CapabilitiesArgs{Drop: pulumi.ToStringArray([]string{"ALL"})},
	}
}

// runVolume projects the pod's ConfigMap keys and its Secrets' keys into one
// read-only directory, renaming the role's healthcheck and auth fragment to
// the shared paths the scripts expect.
func runVolume(p podSpec, configMap pulumi.StringInput, refs configRefs) corev1.VolumeArgs {
	items := corev1.KeyToPathArray{keyPath(p.healthKey, cluster.HealthcheckPath)}
	for _, key := range p.configKeys {
		items = append(items, keyPath(key, runPath(key)))
	}
	sources := corev1.VolumeProjectionArray{
		corev1.VolumeProjectionArgs{ConfigMap: corev1.ConfigMapProjectionArgs{Name: configMap, Items: items}},
		corev1.VolumeProjectionArgs{Secret: corev1.SecretProjectionArgs{Name: refs.credentials, Items: corev1.KeyToPathArray{
			keyPath(keyPassword, cluster.PasswordFilePath), keyPath(p.authKey, cluster.AuthConfPath),
		}}},
	}
	if p.tls {
		sources = append(sources, tlsProjections(refs, configMap, true)...)
	}
	return corev1.VolumeArgs{
		Name:      pulumi.String(volumeRun),
		Projected: corev1.ProjectedVolumeSourceArgs{DefaultMode: pulumi.Int(0o440), Sources: sources},
	}
}

// tlsProjections project the CA bundle and, for a server, its certificate
// and key to the cluster.TLS*Path files: from the ConfigMap and the TLS
// Secret, or all from the user's kubernetesTlsSecret.
func tlsProjections(refs configRefs, configMap pulumi.StringInput, server bool) corev1.VolumeProjectionArray {
	ca := keyPath(keyTLSCACert, cluster.TLSCACertPath)
	if refs.tlsFromSecret {
		items := corev1.KeyToPathArray{ca}
		if server {
			items = append(items, keyPath(keyTLSCert, cluster.TLSCertPath), keyPath(keyTLSKey, cluster.TLSKeyPath))
		}
		return corev1.VolumeProjectionArray{corev1.VolumeProjectionArgs{Secret: corev1.SecretProjectionArgs{Name: refs.tls, Items: items}}}
	}
	if !server {
		return corev1.VolumeProjectionArray{corev1.VolumeProjectionArgs{ConfigMap: corev1.ConfigMapProjectionArgs{Name: configMap, Items: corev1.KeyToPathArray{ca}}}}
	}
	return corev1.VolumeProjectionArray{
		corev1.VolumeProjectionArgs{ConfigMap: corev1.ConfigMapProjectionArgs{Name: configMap, Items: corev1.KeyToPathArray{
			ca, keyPath(keyTLSCert, cluster.TLSCertPath),
		}}},
		corev1.VolumeProjectionArgs{Secret: corev1.SecretProjectionArgs{Name: refs.tls, Items: corev1.KeyToPathArray{keyPath(keyTLSKey, cluster.TLSKeyPath)}}},
	}
}

// podAnnotations carry the kubernetesTlsSecret's certificate digest: a
// renewal changes the template, so the pods roll onto it one at a time.
func (b builder) podAnnotations() pulumi.StringMap {
	if b.spec.Kubernetes.TLSSecret == "" {
		return nil
	}
	return pulumi.StringMap{annotationTLSDigest: pulumi.String(tlsSecretDigest(b.spec.TLSMaterial))}
}

// annotationTLSDigest is the pod template annotation podAnnotations sets.
const annotationTLSDigest = "redis-sentinel/tls-sha256"

// keyPath projects key to the absolute container path target (under runDir).
func keyPath(key, target string) corev1.KeyToPathArgs {
	rel := target[len(runDir)+1:]
	return corev1.KeyToPathArgs{Key: pulumi.String(key), Path: pulumi.String(rel)}
}

// probe runs the authenticated PING healthcheck (the password stays in its file).
func probe(periodSeconds, failures int) corev1.ProbeArgs {
	return corev1.ProbeArgs{
		Exec:             corev1.ExecActionArgs{Command: pulumi.ToStringArray([]string{"sh", cluster.HealthcheckPath})},
		PeriodSeconds:    pulumi.Int(periodSeconds),
		TimeoutSeconds:   pulumi.Int(probeTimeoutSeconds),
		FailureThreshold: pulumi.Int(failures),
	}
}

// affinity keeps pods of one role on different Kubernetes nodes: required
// (a pod stays Pending rather than share a node), preferred, or not at all.
func (b builder) affinity(role cluster.Role) corev1.AffinityPtrInput {
	term := corev1.PodAffinityTermArgs{
		TopologyKey:   pulumi.String("kubernetes.io/hostname"),
		LabelSelector: metav1.LabelSelectorArgs{MatchLabels: labels(b.spec, role)},
	}
	switch b.spec.Kubernetes.AntiAffinity {
	case cluster.AntiAffinityRequired:
		return corev1.AffinityArgs{PodAntiAffinity: corev1.PodAntiAffinityArgs{
			RequiredDuringSchedulingIgnoredDuringExecution: corev1.PodAffinityTermArray{term},
		}}
	case cluster.AntiAffinityPreferred:
		return corev1.AffinityArgs{PodAntiAffinity: corev1.PodAntiAffinityArgs{
			PreferredDuringSchedulingIgnoredDuringExecution: corev1.WeightedPodAffinityTermArray{
				corev1.WeightedPodAffinityTermArgs{Weight: pulumi.Int(100), PodAffinityTerm: term},
			},
		}}
	default:
		return nil
	}
}

// gracePeriodSeconds leaves Redis time to stop after the pre-stop handover.
const gracePeriodSeconds = render.PreStopTimeoutSeconds + 10

// labels are a role's pod labels, also its selector.
func labels(s cluster.Spec, role cluster.Role) pulumi.StringMap {
	out := pulumi.StringMap{}
	for _, l := range cluster.Labels(s, role, -1) {
		out[l.Key] = pulumi.String(l.Value)
	}
	return out
}
