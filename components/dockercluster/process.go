package dockercluster

import (
	"github.com/pulumi/pulumi-docker/sdk/v4/go/docker"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/components/render"
)

// Healthcheck timing: it marks a stuck process unhealthy for `docker ps` and
// monitoring. A probe costs ~40 ms of CPU (a runc exec), so it stays at 2 s:
// at 500 ms six containers kept 0.5 of a core busy. In sentinel mode `pulumi up`
// does not wait on it (see serverArgs).
const (
	healthInterval      = "2s"
	healthTimeout       = "3s"
	healthRetries       = 5
	healthStartPeriod   = "2s"
	healthyWaitSeconds  = 90
	stopGracePeriodSecs = 10
)

// processSpec is what differs between a data node and a sentinel container.
type processSpec struct {
	name       string
	role       cluster.Role
	ordinal    int
	listenPort int
	hostPort   int
	// start is the script the container runs (`sh <start.path>`).
	start upload
	// files are the process's own files (configs); the password file,
	// healthcheck and TLS files are added for every process.
	files []upload
}

// serverArgs builds a long-running redis-server/sentinel container: config and
// password delivered in one secret upload (never env or argv, so `docker inspect`
// shows neither; see bundle), an authenticated healthcheck, a restart policy, and
// its port published on the gateway address it announces.
//
// What `pulumi up` waits for: in sentinel mode the settings job, which runs after
// every create or replacement and retries each process until it answers (every
// 200 ms, failing the update after render.SettingsJobTimeoutSeconds); waiting on
// the healthcheck as well would only add its first interval (Docker 20.10 probes
// one interval after the start, the provider looks once a second) to every
// container. Standalone has no job, so it waits for the healthcheck.
func (b builder) serverArgs(network *docker.Network, p processSpec) *docker.ContainerArgs {
	gateway := b.layout.InitialMaster().Host
	return &docker.ContainerArgs{
		Name:     pulumi.String(p.name),
		Hostname: pulumi.String(p.name),
		Image:    pulumi.String(b.spec.Image),
		Command:  pulumi.ToStringArray([]string{"sh", p.start.path}),
		NetworksAdvanced: docker.ContainerNetworksAdvancedArray{docker.ContainerNetworksAdvancedArgs{
			Name:    network.Name,
			Aliases: pulumi.StringArray{pulumi.String(p.name)},
		}},
		Ports: docker.ContainerPortArray{docker.ContainerPortArgs{
			Internal: pulumi.Int(p.listenPort),
			External: pulumi.Int(p.hostPort),
			Ip:       pulumi.String(gateway),
		}},
		Uploads: secretUploads(bundle(p.start, append(append(p.files,
			credentialLink(cluster.PasswordFilePath, render.CredentialPassword),
			upload{path: cluster.HealthcheckPath, content: render.HealthcheckScript(b.spec, p.listenPort)},
		), b.tlsLinks()...))),
		Volumes: b.credentialsMount(),
		// The credentials job writes the files the start script reads.
		Healthcheck: docker.ContainerHealthcheckArgs{
			Tests:       pulumi.ToStringArray([]string{"CMD", "sh", cluster.HealthcheckPath}),
			Interval:    pulumi.String(healthInterval),
			Timeout:     pulumi.String(healthTimeout),
			Retries:     pulumi.Int(healthRetries),
			StartPeriod: pulumi.String(healthStartPeriod),
		},
		Wait:          pulumi.Bool(b.spec.Mode != cluster.ModeSentinel),
		WaitTimeout:   pulumi.Int(healthyWaitSeconds),
		Restart:       pulumi.String("unless-stopped"),
		StopTimeout:   pulumi.Int(stopGracePeriodSecs),
		RemoveVolumes: pulumi.Bool(true),
		Labels:        containerLabels(b.spec, p.role, p.ordinal),
	}
}

// credentialLink links path to a file the credentials job publishes, so the
// process reads what the last rotation applied, not what it was created with.
func credentialLink(path, name string) upload {
	return upload{path: path, link: cluster.CredentialsDir + "/" + name}
}

// tlsLinks point a process's TLS files at what the credentials job
// publishes, so a certificate change replaces no container.
func (b builder) tlsLinks() []upload {
	if !b.spec.TLS {
		return nil
	}
	return []upload{
		credentialLink(cluster.TLSCACertPath, render.CredentialTLSCACert),
		credentialLink(cluster.TLSCertPath, render.CredentialTLSCert),
		credentialLink(cluster.TLSKeyPath, render.CredentialTLSKey),
	}
}

// tlsUploads are the given TLS files (by container path), none without TLS.
func (b builder) tlsUploads(paths ...string) []upload {
	if !b.spec.TLS {
		return nil
	}
	content := map[string]string{cluster.TLSCACertPath: b.tls.CACert, cluster.TLSCertPath: b.tls.Cert, cluster.TLSKeyPath: b.tls.Key}
	var out []upload
	for _, p := range paths {
		out = append(out, upload{path: p, content: content[p]})
	}
	return out
}

// upload is one file placed in a container before it starts, or with link
// set, a symbolic link at path to link (in a bundle only).
type upload struct {
	path    string
	content string
	link    string
}

// secretUploads marks the whole upload list secret: configs carry the password.
func secretUploads(files ...upload) docker.ContainerUploadArrayOutput {
	return secretUploadsWithMode("0600", files)
}

// secretUploadsWithMode is secretUploads with the files' permissions given.
func secretUploadsWithMode(mode string, files []upload) docker.ContainerUploadArrayOutput {
	arr := docker.ContainerUploadArray{}
	for _, f := range files {
		arr = append(arr, docker.ContainerUploadArgs{
			File:        pulumi.String(f.path),
			Content:     pulumi.String(f.content),
			Permissions: pulumi.String(mode),
		})
	}
	return pulumi.ToSecret(arr).(docker.ContainerUploadArrayOutput)
}
