package dockerhost

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// CrashInPlace SIGKILLs a running container's main process from the host, as
// a crash or the kernel's OOM killer would: unlike `docker kill` (a manual
// stop), that leaves the restart policy in force, so Docker starts the
// container again at once. It returns once the container runs again.
func (h *Host) CrashInPlace(ctx context.Context, name string) error {
	before, err := h.api.ContainerInspect(ctx, name)
	if err != nil {
		return fmt.Errorf("crash %s: %w", name, err)
	}
	if before.State == nil || before.State.Pid == 0 {
		return fmt.Errorf("crash %s: not running", name)
	}
	if err := syscall.Kill(before.State.Pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("crash %s: kill pid %d (needs the daemon's host and root): %w", name, before.State.Pid, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		now, err := h.api.ContainerInspect(ctx, name)
		if err == nil && now.State != nil && now.State.Running && now.State.StartedAt != before.State.StartedAt {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("crash %s: its restart policy did not start it again within 10s", name)
}

// LoseData SIGKILLs a container, empties the volume mounted at its data
// directory (everything it persisted: AOF, RDB, its rewritten config) and
// starts it again: a node back on a new, empty disk. The volume is emptied
// by a throwaway container of the same image, so it works on any daemon.
func (h *Host) LoseData(ctx context.Context, name string) error {
	inspect, err := h.api.ContainerInspect(ctx, name)
	if err != nil {
		return fmt.Errorf("lose data of %s: %w", name, err)
	}
	var volume string
	for _, m := range inspect.Mounts {
		if m.Destination == cluster.DataDir && m.Type == mount.TypeVolume {
			volume = m.Name
		}
	}
	if volume == "" {
		return fmt.Errorf("lose data of %s: no volume mounted at %s", name, cluster.DataDir)
	}
	if err := h.Kill(ctx, name); err != nil {
		return err
	}
	if err := h.runOnce(ctx, inspect.Config.Image, volume, "rm -rf "+cluster.DataDir+"/* "+cluster.DataDir+"/.[!.]*"); err != nil {
		return fmt.Errorf("lose data of %s: empty volume %s: %w", name, volume, err)
	}
	return h.Start(ctx, name)
}

// runOnce runs script with sh in a throwaway container of image with volume
// at the data directory, as root, and removes the container.
func (h *Host) runOnce(ctx context.Context, image, volume, script string) error {
	created, err := h.api.ContainerCreate(ctx,
		&container.Config{Image: image, Entrypoint: []string{"sh", "-c"}, Cmd: []string{script}, User: "0"},
		&container.HostConfig{Mounts: []mount.Mount{{Type: mount.TypeVolume, Source: volume, Target: cluster.DataDir}}},
		nil, nil, "")
	if err != nil {
		return err
	}
	defer func() {
		_ = h.api.ContainerRemove(context.WithoutCancel(ctx), created.ID, container.RemoveOptions{Force: true})
	}()
	if err := h.api.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		return err
	}
	waited, errs := h.api.ContainerWait(ctx, created.ID, container.WaitConditionNotRunning)
	select {
	case res := <-waited:
		if res.StatusCode != 0 {
			return fmt.Errorf("exit status %d", res.StatusCode)
		}
		return nil
	case err := <-errs:
		return err
	case <-ctx.Done():
		return errors.Join(ctx.Err(), errors.New("waiting for the throwaway container"))
	}
}

// CrashRestart implements verify.RestartFaults: the node's container crashes
// and its restart policy starts it again.
func (f ClusterFaults) CrashRestart(ctx context.Context, addr string) error {
	name, err := f.Container(ctx, addr)
	if err != nil {
		return err
	}
	return f.Host.CrashInPlace(ctx, name)
}

// LoseData implements verify.DataLossFaults for the node announced at addr.
func (f ClusterFaults) LoseData(ctx context.Context, addr string) error {
	name, err := f.Container(ctx, addr)
	if err != nil {
		return err
	}
	return f.Host.LoseData(ctx, name)
}
