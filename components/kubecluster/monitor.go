package kubecluster

import (
	"fmt"
	"path"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/components/render"
	"github.com/platform-team/redis-sentinel/monitoring"
)

// The monitor's files all sit in one directory, projected from its own
// ConfigMap (the target file) and its own Secret (password, CA).
var monitorDir = path.Dir(cluster.MonitorTargetPath)

const (
	keyMonitorTarget = "monitor.json"
	portMonitor      = "http"
	volumeMonitor    = "monitor"
	// scrapeInterval is the ServiceMonitor's. A scrape only reads the last
	// verdict (the monitor checks every render.MonitorCheckInterval on its
	// own), so it never adds load on the cluster.
	scrapeInterval = "15s"
)

// The monitor's probes ask the process (GET /livez), never the cluster: a
// monitor restarted or dropped from its Service whenever the cluster is
// unhealthy would go dark exactly when on-call needs it.
const (
	monitorLivezPath      = "/livez"
	monitorLivenessPeriod = 10
)

// monitor deploys the always-on `redis-sentinel serve`: a Deployment of one
// pod reaching every process at its announced name (as clients do), a
// ClusterIP Service in front of it for on-call and Prometheus, and, with
// kubernetesServiceMonitor, the Prometheus Operator's ServiceMonitor and
// PrometheusRule. It starts after upFirst, so its first verdict is the
// bootstrapped cluster's.
func (b builder) monitor(namespace pulumi.StringInput, upFirst []pulumi.Resource) (*appsv1.Deployment, error) {
	// Its own Secret: the monitor can read only its own credentials, never
	// the admin's (with ACL its user's password is derived, see UserPassword).
	secretFiles := map[string]string{keyPassword: b.spec.UserPassword(b.spec.MonitorUser())}
	if b.spec.TLS {
		secretFiles[keyTLSCACert] = b.tls.CACert
	}
	secret, err := corev1.NewSecret(b.ctx, b.spec.MonitorName()+"-auth", &corev1.SecretArgs{
		Metadata:   b.metadata(namespace, "", cluster.RoleMonitor),
		Type:       pulumi.String("Opaque"),
		StringData: pulumi.ToSecret(pulumi.ToStringMap(secretFiles)).(pulumi.StringMapOutput),
	}, pulumi.Parent(b.parent), replacedOnChange)
	if err != nil {
		return nil, err
	}
	config, err := b.configMap(namespace, cluster.RoleMonitor, map[string]string{
		keyMonitorTarget: render.MonitorTarget(b.spec, b.layout),
	})
	if err != nil {
		return nil, err
	}
	deployment, err := b.monitorDeployment(namespace, config, secret.Metadata.Name().Elem(), upFirst)
	if err != nil {
		return nil, err
	}
	service, err := b.monitorService(namespace)
	if err != nil {
		return nil, err
	}
	if !b.spec.Kubernetes.ServiceMonitor {
		return deployment, nil
	}
	return deployment, b.prometheusOperator(namespace, service)
}

// monitorDeployment runs the monitor image as nobody with nothing writable.
// The ConfigMap and Secret are auto-named, so a change to either is a new
// pod template and rolls the pod (surge first: the old one serves meanwhile).
func (b builder) monitorDeployment(namespace, config, secret pulumi.StringInput, upFirst []pulumi.Resource) (*appsv1.Deployment, error) {
	name := b.spec.MonitorName()
	secretItems := corev1.KeyToPathArray{monitorKeyPath(keyPassword, cluster.MonitorPasswordPath)}
	if b.spec.TLS {
		secretItems = append(secretItems, monitorKeyPath(keyTLSCACert, cluster.MonitorCACertPath))
	}
	livez := func(periodSeconds, failures int) corev1.ProbeArgs {
		return corev1.ProbeArgs{
			HttpGet:          corev1.HTTPGetActionArgs{Path: pulumi.String(monitorLivezPath), Port: pulumi.String(portMonitor)},
			PeriodSeconds:    pulumi.Int(periodSeconds),
			TimeoutSeconds:   pulumi.Int(probeTimeoutSeconds),
			FailureThreshold: pulumi.Int(failures),
		}
	}
	container := corev1.ContainerArgs{
		Name:            pulumi.String(string(cluster.RoleMonitor)),
		Image:           pulumi.String(b.spec.Monitor.Image),
		ImagePullPolicy: pulumi.String("IfNotPresent"),
		Command:         pulumi.ToStringArray(append([]string{cluster.MonitorBinaryPath}, render.MonitorArgs()...)),
		Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{
			Name: pulumi.String(portMonitor), ContainerPort: pulumi.Int(cluster.MonitorPort),
		}},
		ReadinessProbe: livez(readinessPeriodSeconds, 2),
		LivenessProbe:  livez(monitorLivenessPeriod, 3),
		Resources: corev1.ResourceRequirementsArgs{
			Requests: pulumi.StringMap{"cpu": pulumi.String("10m"), "memory": pulumi.String("32Mi")},
			Limits:   pulumi.StringMap{"memory": pulumi.String("128Mi")},
		},
		SecurityContext: containerSecurity(),
		VolumeMounts: corev1.VolumeMountArray{corev1.VolumeMountArgs{
			Name: pulumi.String(volumeMonitor), MountPath: pulumi.String(monitorDir), ReadOnly: pulumi.Bool(true),
		}},
	}
	return appsv1.NewDeployment(b.ctx, name, &appsv1.DeploymentArgs{
		Metadata: b.metadata(namespace, name, cluster.RoleMonitor),
		Spec: appsv1.DeploymentSpecArgs{
			Replicas: pulumi.Int(1),
			Selector: metav1.LabelSelectorArgs{MatchLabels: labels(b.spec, cluster.RoleMonitor)},
			Template: corev1.PodTemplateSpecArgs{
				Metadata: &metav1.ObjectMetaArgs{Labels: labels(b.spec, cluster.RoleMonitor)},
				Spec: &corev1.PodSpecArgs{
					Containers:                   corev1.ContainerArray{container},
					SecurityContext:              monitorPodSecurity(),
					AutomountServiceAccountToken: pulumi.Bool(false),
					Volumes: corev1.VolumeArray{corev1.VolumeArgs{
						Name: pulumi.String(volumeMonitor),
						Projected: corev1.ProjectedVolumeSourceArgs{
							DefaultMode: pulumi.Int(0o440),
							Sources: corev1.VolumeProjectionArray{
								corev1.VolumeProjectionArgs{ConfigMap: corev1.ConfigMapProjectionArgs{
									Name: config, Items: corev1.KeyToPathArray{monitorKeyPath(keyMonitorTarget, cluster.MonitorTargetPath)},
								}},
								corev1.VolumeProjectionArgs{Secret: corev1.SecretProjectionArgs{Name: secret, Items: secretItems}},
							},
						},
					}},
				},
			},
		},
	}, pulumi.Parent(b.parent), pulumi.DependsOn(upFirst))
}

// monitorPodSecurity runs the monitor as nobody (the image's user); fsGroup
// makes the 0440 projected files readable by it and by no one else.
func monitorPodSecurity() corev1.PodSecurityContextArgs {
	return corev1.PodSecurityContextArgs{
		RunAsNonRoot:   pulumi.Bool(true),
		RunAsUser:      pulumi.Int(cluster.MonitorUID),
		RunAsGroup:     pulumi.Int(cluster.MonitorUID),
		FsGroup:        pulumi.Int(cluster.MonitorUID),
		SeccompProfile: corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
	}
}

// monitorKeyPath projects key to the absolute container path target (under monitorDir).
func monitorKeyPath(key, target string) corev1.KeyToPathArgs {
	return corev1.KeyToPathArgs{Key: pulumi.String(key), Path: pulumi.String(target[len(monitorDir)+1:])}
}

// monitorService is the monitor's stable address (cluster.Spec.MonitorEndpoint),
// annotated for Prometheus setups that discover targets by annotation.
func (b builder) monitorService(namespace pulumi.StringInput) (*corev1.Service, error) {
	name := b.spec.MonitorName()
	metadata := b.metadata(namespace, name, cluster.RoleMonitor)
	metadata.Annotations = pulumi.StringMap{
		"prometheus.io/scrape": pulumi.String("true"),
		"prometheus.io/port":   pulumi.String(fmt.Sprint(cluster.MonitorPort)),
		"prometheus.io/path":   pulumi.String("/metrics"),
	}
	return corev1.NewService(b.ctx, name, &corev1.ServiceArgs{
		Metadata: metadata,
		Spec: &corev1.ServiceSpecArgs{
			Selector: labels(b.spec, cluster.RoleMonitor),
			Ports: corev1.ServicePortArray{corev1.ServicePortArgs{
				Name: pulumi.String(portMonitor), Port: pulumi.Int(cluster.MonitorPort), TargetPort: pulumi.String(portMonitor),
			}},
		},
	}, pulumi.Parent(b.parent))
}

// prometheusOperator adds the Prometheus Operator's objects: a ServiceMonitor
// scraping the monitor's Service and a PrometheusRule with the project's
// alerts (monitoring/alerts.yaml). Opt-in: without the operator's CRDs the
// API server rejects both and `pulumi up` fails.
func (b builder) prometheusOperator(namespace pulumi.StringInput, service *corev1.Service) error {
	groups, err := monitoring.RuleGroups()
	if err != nil {
		return err
	}
	name := b.spec.MonitorName()
	_, err = apiextensions.NewCustomResource(b.ctx, name, &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("monitoring.coreos.com/v1"),
		Kind:       pulumi.String("ServiceMonitor"),
		Metadata:   b.metadata(namespace, name, cluster.RoleMonitor),
		OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{
			"selector": pulumi.Map{"matchLabels": labels(b.spec, cluster.RoleMonitor)},
			"endpoints": pulumi.Array{pulumi.Map{
				"port": pulumi.String(portMonitor), "path": pulumi.String("/metrics"), "interval": pulumi.String(scrapeInterval),
			}},
		}},
	}, pulumi.Parent(b.parent), pulumi.DependsOn([]pulumi.Resource{service}))
	if err != nil {
		return err
	}
	_, err = apiextensions.NewCustomResource(b.ctx, name, &apiextensions.CustomResourceArgs{
		ApiVersion:  pulumi.String("monitoring.coreos.com/v1"),
		Kind:        pulumi.String("PrometheusRule"),
		Metadata:    b.metadata(namespace, name, cluster.RoleMonitor),
		OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{"groups": pulumi.ToMapArray(groups)}},
	}, pulumi.Parent(b.parent))
	return err
}
