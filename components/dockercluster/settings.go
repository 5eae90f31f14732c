package dockercluster

import (
	"crypto/sha256"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-docker/sdk/v4/go/docker"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/components/render"
)

// labelTargets records which containers a settings job configured.
const labelTargets = "redis-sentinel.targets"

// settingsJob runs render.SettingsScript once in a short-lived container and
// waits for it. Changing a timer replaces only this job, never a node or a
// sentinel: the live processes are updated in place. The job also reruns when
// any target container is replaced, so a new container gets the live settings.
// It returns the job's exit code, which is an error unless 0.
func (b builder) settingsJob(network *docker.Network, targets []*docker.Container) (pulumi.IntOutput, error) {
	ids := make([]interface{}, len(targets))
	for i, t := range targets {
		ids[i] = t.ID()
	}
	targetsDigest := pulumi.All(ids...).ApplyT(func(ids []interface{}) string {
		parts := make([]string, len(ids))
		for i, id := range ids {
			parts[i] = fmt.Sprint(id)
		}
		return fmt.Sprintf("%x", sha256.Sum256([]byte(strings.Join(parts, ","))))[:16]
	}).(pulumi.StringOutput)

	name := b.spec.SettingsJobName()
	labels := append(containerLabels(b.spec, cluster.RoleSettings, -1),
		docker.ContainerLabelArgs{Label: pulumi.String(labelTargets), Value: targetsDigest})
	job, err := docker.NewContainer(b.ctx, name, &docker.ContainerArgs{
		Name:    pulumi.String(name),
		Image:   pulumi.String(b.spec.Image),
		Command: pulumi.ToStringArray([]string{"sh", cluster.SettingsScriptPath}),
		NetworksAdvanced: docker.ContainerNetworksAdvancedArray{docker.ContainerNetworksAdvancedArgs{
			Name: network.Name,
		}},
		// The password from the credentials volume: a rotation does not rerun it.
		Uploads: secretUploads(bundle(
			upload{path: cluster.SettingsScriptPath, content: render.SettingsScript(b.spec, b.layout)},
			append([]upload{credentialLink(cluster.PasswordFilePath, render.CredentialPassword)}, b.tlsUploads(cluster.TLSCACertPath)...))),
		Volumes: b.credentialsMount(),
		// Attach and wait for the script to finish; its logs land in the state.
		Attach:  pulumi.Bool(true),
		Logs:    pulumi.Bool(true),
		MustRun: pulumi.Bool(false),
		Restart: pulumi.String("no"),
		Labels:  labels,
	}, pulumi.Parent(b.parent), pulumi.DependsOn(resources(targets)))
	if err != nil {
		return pulumi.IntOutput{}, err
	}
	return job.ExitCode.ApplyT(func(code int) (int, error) {
		if code != 0 {
			return code, fmt.Errorf("settings job %s exited %d: see `docker logs %s`", name, code, name)
		}
		return code, nil
	}).(pulumi.IntOutput), nil
}

func resources(containers []*docker.Container) []pulumi.Resource {
	out := make([]pulumi.Resource, len(containers))
	for i, c := range containers {
		out[i] = c
	}
	return out
}
