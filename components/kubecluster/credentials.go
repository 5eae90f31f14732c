package kubecluster

import (
	"crypto/sha256"
	"encoding/hex"

	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/components/render"
)

// credentialsJob runs render.CredentialsScript against the running pods, as
// the Docker platform's credentials job does: every process also accepts the
// current password, switches its own links to it and, once previousPassword
// is gone, forgets the old one, all live. Pulumi has already updated the
// credentials Secret in place (the job mounts it, fresh), which is what pods
// read when they start; the kubelet projects it into running pods at their
// next sync, and until then their probes accept a refusal of the stale file
// (render.MountedCredentialsHealthcheckScript).
//
// It runs before the StatefulSets change: a pod rolled in the same update
// reads the new credentials, and every process it meets already accepts
// them. On a new stack nothing answers yet and the job only says so. TLS
// changes are not its concern: they roll the pods (see configs).
func (b builder) credentialsJob(namespace pulumi.StringInput, refs configRefs, headless *corev1.Service) (*batchv1.Job, error) {
	// Only fixed-name sources: a change elsewhere (a ConfigMap, which is
	// content-named) must not replace the Job and re-run it.
	sources := corev1.VolumeProjectionArray{corev1.VolumeProjectionArgs{
		Secret: corev1.SecretProjectionArgs{Name: refs.credentials}, // every key, previous-password only while it is set
	}}
	if refs.tlsFromSecret {
		sources = append(sources, tlsProjections(refs, nil, false)...)
	}
	script := render.CredentialsScript(b.spec, b.layout, render.CredentialsPaths{Next: runDir})
	return batchv1.NewJob(b.ctx, b.spec.CredentialsJobName(), &batchv1.JobArgs{
		Metadata: &metav1.ObjectMetaArgs{Namespace: namespace, Labels: labels(b.spec, cluster.RoleCredentials)},
		Spec: batchv1.JobSpecArgs{
			// The script retries what can be retried until its own deadline;
			// what is left (a password no process knows) needs the user.
			BackoffLimit: pulumi.Int(0),
			Template: corev1.PodTemplateSpecArgs{
				Metadata: &metav1.ObjectMetaArgs{Labels: labels(b.spec, cluster.RoleCredentials), Annotations: b.credentialsAnnotations()},
				Spec: &corev1.PodSpecArgs{
					RestartPolicy:                pulumi.String("Never"),
					SecurityContext:              podSecurity(),
					AutomountServiceAccountToken: pulumi.Bool(false),
					Containers: corev1.ContainerArray{corev1.ContainerArgs{
						Name:            pulumi.String(string(cluster.RoleCredentials)),
						Image:           pulumi.String(b.spec.Image),
						ImagePullPolicy: pulumi.String("IfNotPresent"),
						Command:         pulumi.ToStringArray([]string{"sh", "-c", script}),
						SecurityContext: containerSecurity(),
						VolumeMounts: corev1.VolumeMountArray{corev1.VolumeMountArgs{
							Name: pulumi.String(volumeRun), MountPath: pulumi.String(runDir), ReadOnly: pulumi.Bool(true),
						}},
					}},
					Volumes: corev1.VolumeArray{corev1.VolumeArgs{
						Name:      pulumi.String(volumeRun),
						Projected: corev1.ProjectedVolumeSourceArgs{DefaultMode: pulumi.Int(0o440), Sources: sources},
					}},
				},
			},
		},
	}, pulumi.Parent(b.parent), pulumi.DependsOn([]pulumi.Resource{headless}))
}

// credentialFiles are the credentials Secret's keys: the password files and,
// with TLS from config keys, the CA bundle, which the credentials Job trusts
// and checks the running processes' certificates against.
func (b builder) credentialFiles() map[string]string {
	files := render.PasswordCredentialFiles(b.spec)
	if b.spec.TLS && b.spec.Kubernetes.TLSSecret == "" {
		files[render.CredentialTLSCACert] = b.tls.CACert
	}
	return files
}

// credentialsAnnotations make a CA bundle change replace the credentials Job
// (the script changes with the password, not with the bundle), so it checks
// the new bundle against the certificates in service before any pod rolls.
func (b builder) credentialsAnnotations() pulumi.StringMap {
	if !b.spec.TLS {
		return nil
	}
	sum := sha256.Sum256([]byte(b.tls.CACert))
	return pulumi.StringMap{annotationCADigest: pulumi.String(hex.EncodeToString(sum[:]))}
}

// annotationCADigest is the credentials Job's template annotation.
const annotationCADigest = "redis-sentinel/ca-sha256"
