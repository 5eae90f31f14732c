package dockercluster

import (
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi-docker/sdk/v4/go/docker"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/components/render"
)

// credentials are the volume every process reads its credentials from and
// the job that fills it.
type credentials struct {
	volume   *docker.Volume
	job      *docker.Container
	exitCode pulumi.IntOutput
	// applied resolves to the job once it exited 0 and fails when it did
	// not: what depends on it is then neither created nor replaced.
	applied pulumi.ResourceArrayOutput
}

// credentialsJob keeps the password out of every node's and sentinel's own
// inputs: they read it from a volume, so a rotation changes only this job.
// Replaced whenever the credentials change, it runs render.CredentialsScript
// once: the live processes take the new credentials in place (no restart),
// then the volume holds them for the next start. On a stack's first up no
// process runs yet; the processes wait for it (DependsOn) and start with the
// files it published.
func (b builder) credentialsJob(network *docker.Network) (credentials, error) {
	volumeName := b.spec.CredentialsVolumeName()
	volume, err := docker.NewVolume(b.ctx, volumeName, &docker.VolumeArgs{
		Name:   pulumi.String(volumeName),
		Labels: volumeLabels(b.spec, cluster.RoleCredentials, -1),
	}, pulumi.Parent(b.parent))
	if err != nil {
		return credentials{}, err
	}
	files := render.CredentialFiles(b.spec, b.tls)
	var staged []upload
	for _, name := range slices.Sorted(maps.Keys(files)) {
		staged = append(staged, upload{path: cluster.CredentialsNextDir + "/" + name, content: files[name]})
	}
	name := b.spec.CredentialsJobName()
	script := render.CredentialsScript(b.spec, b.layout, render.CredentialsPaths{Next: cluster.CredentialsNextDir, Live: cluster.CredentialsDir})
	job, err := docker.NewContainer(b.ctx, name, &docker.ContainerArgs{
		Name:    pulumi.String(name),
		Image:   pulumi.String(b.spec.Image),
		Command: pulumi.ToStringArray([]string{"sh", cluster.CredentialsScriptPath}),
		NetworksAdvanced: docker.ContainerNetworksAdvancedArray{docker.ContainerNetworksAdvancedArgs{
			Name: network.Name,
		}},
		Uploads: secretUploads(bundle(upload{path: cluster.CredentialsScriptPath, content: script}, staged)),
		Volumes: docker.ContainerVolumeArray{docker.ContainerVolumeArgs{
			VolumeName:    volume.Name,
			ContainerPath: pulumi.String(cluster.CredentialsDir),
		}},
		// Attach and wait for the script to finish; its logs land in the state.
		Attach:  pulumi.Bool(true),
		Logs:    pulumi.Bool(true),
		MustRun: pulumi.Bool(false),
		Restart: pulumi.String("no"),
		Labels:  containerLabels(b.spec, cluster.RoleCredentials, -1),
	}, pulumi.Parent(b.parent))
	if err != nil {
		return credentials{}, err
	}
	exitCode := job.ExitCode.ApplyT(func(code int) (int, error) {
		if code != 0 {
			return code, fmt.Errorf("credentials job %s exited %d: see `docker logs %s`", name, code, name)
		}
		return code, nil
	}).(pulumi.IntOutput)
	applied := exitCode.ApplyT(func(int) []pulumi.Resource { return []pulumi.Resource{job} }).(pulumi.ResourceArrayOutput)
	return credentials{volume: volume, job: job, exitCode: exitCode, applied: applied}, nil
}

// credentialsMount mounts the credentials volume read-only.
func (b builder) credentialsMount() docker.ContainerVolumeArray {
	return docker.ContainerVolumeArray{docker.ContainerVolumeArgs{
		VolumeName:    b.credentials.volume.Name,
		ContainerPath: pulumi.String(cluster.CredentialsDir),
		ReadOnly:      pulumi.Bool(true),
	}}
}

// serverOptions make a node or sentinel wait for the credentials it reads,
// and stay as they are when the job failed (a refused rotation changes
// nothing).
func (b builder) serverOptions() []pulumi.ResourceOption {
	return []pulumi.ResourceOption{pulumi.Parent(b.parent), b.afterCredentials()}
}

// afterCredentials orders a resource after a successful credentials job.
func (b builder) afterCredentials() pulumi.ResourceOption {
	return pulumi.DependsOnInputs(b.credentials.applied)
}
