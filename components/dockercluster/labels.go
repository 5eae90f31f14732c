package dockercluster

import (
	"github.com/pulumi/pulumi-docker/sdk/v4/go/docker"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// The Docker SDK has one label type per resource; these adapt cluster.Labels.

func containerLabels(s cluster.Spec, role cluster.Role, ordinal int) docker.ContainerLabelArray {
	var out docker.ContainerLabelArray
	for _, l := range cluster.Labels(s, role, ordinal) {
		out = append(out, docker.ContainerLabelArgs{Label: pulumi.String(l.Key), Value: pulumi.String(l.Value)})
	}
	return out
}

func volumeLabels(s cluster.Spec, role cluster.Role, ordinal int) docker.VolumeLabelArray {
	var out docker.VolumeLabelArray
	for _, l := range cluster.Labels(s, role, ordinal) {
		out = append(out, docker.VolumeLabelArgs{Label: pulumi.String(l.Key), Value: pulumi.String(l.Value)})
	}
	return out
}

func networkLabels(s cluster.Spec) docker.NetworkLabelArray {
	var out docker.NetworkLabelArray
	for _, l := range cluster.Labels(s, "", -1) {
		out = append(out, docker.NetworkLabelArgs{Label: pulumi.String(l.Key), Value: pulumi.String(l.Value)})
	}
	return out
}
