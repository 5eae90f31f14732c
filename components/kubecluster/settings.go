package kubecluster

import (
	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/components/render"
)

// settingsSources are what the settings Job mounts: the password, and the CA
// when TLS is on.
func settingsSources(s cluster.Spec, refs configRefs) corev1.VolumeProjectionArray {
	sources := corev1.VolumeProjectionArray{corev1.VolumeProjectionArgs{
		Secret: corev1.SecretProjectionArgs{Name: refs.credentials, Items: corev1.KeyToPathArray{keyPath(keyPassword, cluster.PasswordFilePath)}},
	}}
	if s.TLS {
		sources = append(sources, tlsProjections(refs, refs.nodeConfig, false)...)
	}
	return sources
}

// settingsJob runs render.SettingsScript once as a Job, which `pulumi up`
// waits for (and fails on). The script is the container's argument, so a
// timer change replaces only this Job (a Job's template is immutable): the
// live processes are updated in place and no pod restarts. The Job is
// auto-named, so the replacement runs before the old Job is deleted.
func (b builder) settingsJob(namespace pulumi.StringInput, refs configRefs, nodes, sentinels *appsv1.StatefulSet) (*batchv1.Job, error) {
	name := b.spec.SettingsJobName()
	passwordOnly := corev1.VolumeArgs{
		Name: pulumi.String(volumeRun),
		Projected: corev1.ProjectedVolumeSourceArgs{
			DefaultMode: pulumi.Int(0o440),
			Sources:     settingsSources(b.spec, refs),
		},
	}
	return batchv1.NewJob(b.ctx, name, &batchv1.JobArgs{
		Metadata: &metav1.ObjectMetaArgs{Namespace: namespace, Labels: labels(b.spec, cluster.RoleSettings)},
		Spec: batchv1.JobSpecArgs{
			BackoffLimit: pulumi.Int(2),
			Template: corev1.PodTemplateSpecArgs{
				Metadata: &metav1.ObjectMetaArgs{Labels: labels(b.spec, cluster.RoleSettings)},
				Spec: &corev1.PodSpecArgs{
					RestartPolicy:                pulumi.String("Never"),
					SecurityContext:              podSecurity(),
					AutomountServiceAccountToken: pulumi.Bool(false),
					Containers: corev1.ContainerArray{corev1.ContainerArgs{
						Name:            pulumi.String(string(cluster.RoleSettings)),
						Image:           pulumi.String(b.spec.Image),
						ImagePullPolicy: pulumi.String("IfNotPresent"),
						Command:         pulumi.ToStringArray([]string{"sh", "-c", render.SettingsScript(b.spec, b.layout)}),
						SecurityContext: containerSecurity(),
						VolumeMounts: corev1.VolumeMountArray{corev1.VolumeMountArgs{
							Name: pulumi.String(volumeRun), MountPath: pulumi.String(runDir), ReadOnly: pulumi.Bool(true),
						}},
					}},
					Volumes: corev1.VolumeArray{passwordOnly},
				},
			},
		},
	}, pulumi.Parent(b.parent), pulumi.DependsOn([]pulumi.Resource{nodes, sentinels}))
}
