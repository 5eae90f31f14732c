package verify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// DrillKind names a drill.
type DrillKind string

const (
	// DrillCrash kills the master (no clean shutdown) through the platform's Faults.
	DrillCrash DrillKind = "crash"
	// DrillSwitchover is the planned failover that loses nothing: pause writes
	// on the master, let the replicas catch up, SENTINEL FAILOVER, release.
	DrillSwitchover DrillKind = "switchover"
	// DrillPlainFailover is a bare SENTINEL FAILOVER, kept to show what the
	// switchover avoids (acknowledged writes lost on the demoted master).
	DrillPlainFailover DrillKind = "plain-failover"
	// DrillCrashRestart crashes the master and has its platform restart it
	// in place at once (CrashRestartFault; Faults must be RestartFaults).
	DrillCrashRestart DrillKind = "crash-restart"
	// DrillDataLoss takes the master's disk and has it back at once
	// (DataLossFault; Faults must be DataLossFaults).
	DrillDataLoss DrillKind = "data-loss"
)

// Faults injects failures into the platform a cluster runs on (Docker
// containers, Kubernetes pods, local processes). Addresses are the announced
// host:port of a data node.
type Faults interface {
	// Crash stops the node abruptly (SIGKILL or equivalent).
	Crash(ctx context.Context, nodeAddr string) error
	// Recover starts the crashed node again.
	Recover(ctx context.Context, nodeAddr string) error
}

// RestartFaults crash a node so that its platform starts it again in place
// at once, as a restart policy or the kubelet does after a crash.
type RestartFaults interface {
	CrashRestart(ctx context.Context, nodeAddr string) error
}

// DataLossFaults take a node's disk: LoseData stops the node abruptly,
// destroys everything it persisted (its volume, its claim) and starts it
// again on an empty disk, as fast as the platform can.
type DataLossFaults interface {
	LoseData(ctx context.Context, nodeAddr string) error
}

// DrillOptions tune a drill.
type DrillOptions struct {
	// WriteInterval is the background writer's period. Default: 10ms.
	WriteInterval time.Duration
	// Deadline bounds each wait (failover, first write, rejoin, health).
	// Default: 60s.
	Deadline time.Duration
	// Faults is required by DrillCrash, DrillCrashRestart (it must also be
	// RestartFaults) and DrillDataLoss (DataLossFaults).
	Faults Faults
	// WaitReplicas > 0 makes the writer count a write as acknowledged only
	// when WAIT confirms that many replicas have it (synchronous-replication
	// semantics). 0 (default) counts the master's reply, as most apps do.
	WaitReplicas int
	// Preload > 0 writes that many keys before the fault and waits until
	// every replica acknowledged them; afterwards each must still be there
	// (DrillResult.PreloadedLost), whatever the fault did to the master.
	Preload int
	// Progress, when set, receives one line per drill phase.
	Progress func(msg string)
}

// DrillResult is what the client and the cluster experienced.
type DrillResult struct {
	Kind      string `json:"kind"`
	OldMaster string `json:"oldMaster"`
	NewMaster string `json:"newMaster"`
	// FirstSwitch: from the fault to the first sentinel naming a new master.
	FirstSwitch time.Duration `json:"firstSwitchNs"`
	// AllAgree: from the fault until every answering sentinel names it.
	AllAgree time.Duration `json:"allAgreeNs"`
	// WriteGap is the longest time between two acknowledged writes: the outage
	// the app saw (for a switchover, the write pause).
	WriteGap time.Duration `json:"writeGapNs"`
	// WritesResumed: from the fault to the first acknowledged write after the
	// longest gap (when the app could write again).
	WritesResumed time.Duration `json:"writesResumedNs"`
	WritesAcked   int           `json:"writesAcked"`
	WritesFailed  int           `json:"writesFailed"`
	// WritesLost counts acknowledged writes missing on the new master.
	WritesLost int `json:"writesLost"`
	// Preloaded keys (DrillOptions.Preload), acknowledged by every replica
	// before the fault, and how many of them the master lacks afterwards.
	Preloaded     int `json:"preloaded,omitempty"`
	PreloadedLost int `json:"preloadedLost"`
	// Rejoin: from healing the fault until the old master replicates from the new one.
	Rejoin time.Duration `json:"rejoinNs"`
	// MastersSeen is the most data nodes seen claiming master at one time
	// (nodes the drill could reach); more than 1 is a split brain.
	MastersSeen int `json:"mastersSeen"`
	// Health is the health check after the drill; it must pass.
	Health Report `json:"health"`
	// Timeline is every write, master sample and phase of the drill (for
	// --plot); left out of the JSON report.
	Timeline *Timeline `json:"-"`
}

// ErrUnhealthy means the cluster failed its health checks before or after a drill.
var ErrUnhealthy = errors.New("cluster unhealthy")

// ErrDataLost means a drill's fault destroyed data every replica had
// acknowledged (DrillOptions.Preload).
var ErrDataLost = errors.New("data lost")

const (
	defaultWriteInterval = 10 * time.Millisecond
	defaultDrillDeadline = 60 * time.Second
	writerWarmup         = 500 * time.Millisecond
	writerCooldown       = 500 * time.Millisecond
	pollInterval         = 10 * time.Millisecond
)

// Drill runs one of the built-in drills (see DrillKind).
func (c *Checker) Drill(ctx context.Context, kind DrillKind, o DrillOptions) (DrillResult, error) {
	f, err := c.builtinFault(kind, o)
	if err != nil {
		return DrillResult{Kind: string(kind)}, err
	}
	return c.RunFault(ctx, f, o)
}

// RunFault runs one drill: pre-check → inject → poll with deadline → heal →
// post-check, with a background writer through the Sentinel client and a
// sampler of every node's role the whole time.
func (c *Checker) RunFault(ctx context.Context, f Fault, o DrillOptions) (res DrillResult, err error) {
	o = o.withDefaults()
	res = DrillResult{Kind: f.Name}
	pre := c.Check(ctx)
	if !pre.Passed() {
		return res, fmt.Errorf("before %s drill: %w: %v", f.Name, ErrUnhealthy, pre.Failed())
	}
	res.OldMaster = pre.Master
	var data *preloaded
	if o.Preload > 0 {
		if data, err = c.preload(ctx, o.Preload, max(c.target.Expect.Replicas, 1)); err != nil {
			return res, fmt.Errorf("before %s drill: %w", f.Name, err)
		}
		defer data.remove(context.WithoutCancel(ctx))
		res.Preloaded = o.Preload
		o.progress("preloaded %d keys, acknowledged by every replica", o.Preload)
	}
	o.progress("%s drill: master %s, writer every %s", f.Name, res.OldMaster, o.WriteInterval)

	timeline := &Timeline{Start: time.Now()}
	var phases marks
	w, stopWriter := c.startWriter(ctx, o.WriteInterval, o.WaitReplicas)
	defer stopWriter()
	roles, stopRoles := c.startRoleSampler(ctx)
	defer stopRoles()
	defer func() {
		timeline.End, timeline.Writes, timeline.Masters, timeline.Marks = time.Now(), w.writeSamples(), roles.masterSamples(), phases.all()
		res.Timeline = timeline
	}()
	time.Sleep(writerWarmup)

	faultAt := time.Now()
	phases.add(faultAt, MarkFault, f.Name)
	handle, err := f.Inject(ctx, res.OldMaster)
	if err != nil {
		return res, fmt.Errorf("%s: inject: %w", f.Name, err)
	}
	healed := false
	heal := func() error {
		if healed {
			return nil
		}
		healed = true
		phases.add(time.Now(), MarkHeal, "healed")
		return handle.Heal(ctx)
	}
	defer func() { _ = heal() }()

	switch f.Expect {
	case FailoverRequired:
		err = c.awaitFailover(ctx, &res, handle, w, faultAt, o)
	case FailoverForbidden:
		err = c.holdWithoutFailover(ctx, &res, f, faultAt, o)
	}
	if err != nil {
		return res, err
	}
	if err := heal(); err != nil {
		return res, fmt.Errorf("%s: heal: %w", f.Name, err)
	}
	if f.Expect == FailoverRequired {
		if res.Rejoin, err = c.rejoin(ctx, res.OldMaster, res.NewMaster, o); err != nil {
			return res, err
		}
		o.progress("old master %s replicates from %s %s after healing", res.OldMaster, res.NewMaster, ms(res.Rejoin))
	}
	healedAt := time.Now()
	if err := poll(ctx, o.Deadline, func() bool { return w.ackedAfter(healedAt) }); err != nil {
		return res, fmt.Errorf("no write succeeded after healing: %w", err)
	}
	time.Sleep(writerCooldown)
	stopWriter()
	stopRoles()
	res.MastersSeen = roles.mostMasters()
	stats := w.stats()
	res.WritesAcked, res.WritesFailed, res.WriteGap = stats.Acked, stats.Failed, stats.LongestGap
	res.WritesResumed = stats.GapEnd.Sub(faultAt)
	if res.WritesLost, err = w.lost(ctx); err != nil {
		return res, err
	}
	if data != nil {
		if res.PreloadedLost, err = data.missing(ctx); err != nil {
			return res, err
		}
		o.progress("preloaded keys: %d of %d lost", res.PreloadedLost, res.Preloaded)
		if res.PreloadedLost > 0 {
			return res, fmt.Errorf("%s: %w: %d of %d preloaded keys, acknowledged by every replica, are gone", f.Name, ErrDataLost, res.PreloadedLost, res.Preloaded)
		}
	}
	_ = w.client.Del(ctx, w.key).Err()
	o.progress("writes: %d acknowledged, %d failed, %d lost, longest gap %s; at most %d master(s) seen at once",
		res.WritesAcked, res.WritesFailed, res.WritesLost, ms(res.WriteGap), res.MastersSeen)
	err = c.settle(ctx, &res, o)
	if err == nil {
		phases.add(time.Now(), MarkHealthy, "all checks pass")
	}
	if res.FirstSwitch > 0 {
		phases.add(faultAt.Add(res.FirstSwitch), MarkFirstSwitch, "first sentinel switches")
		phases.add(faultAt.Add(res.AllAgree), MarkAllAgree, "all sentinels agree on "+res.NewMaster)
	}
	if res.NewMaster == "" {
		res.NewMaster = res.Health.Master
	}
	return res, err
}

// awaitFailover waits until the sentinels agree on a new master and a write
// succeeds on it.
func (c *Checker) awaitFailover(ctx context.Context, res *DrillResult, h FaultHandle, w *writer, faultAt time.Time, o DrillOptions) error {
	sw, err := c.watchSwitch(ctx, res.OldMaster, faultAt, o.Deadline)
	if err != nil {
		return err
	}
	if err := h.Switched(ctx, sw.master); err != nil {
		return err
	}
	res.NewMaster, res.FirstSwitch, res.AllAgree = sw.master, sw.first, sw.all
	o.progress("sentinels: first switch after %s, all agree on %s after %s", ms(sw.first), sw.master, ms(sw.all))
	agreedAt := faultAt.Add(sw.all)
	if err := poll(ctx, o.Deadline, func() bool { return w.ackedAfter(agreedAt) }); err != nil {
		return fmt.Errorf("no write succeeded after the failover: %w", err)
	}
	return nil
}

// holdWithoutFailover keeps a fault that must not cause a failover for its
// hold time and fails if any sentinel names another master meanwhile.
func (c *Checker) holdWithoutFailover(ctx context.Context, res *DrillResult, f Fault, faultAt time.Time, o DrillOptions) error {
	o.progress("holding the fault for %s: the master must stay %s", f.Hold, res.OldMaster)
	until := faultAt.Add(f.Hold)
	for time.Now().Before(until) {
		for addr, m := range c.askMasters(ctx) {
			if m != "" && m != res.OldMaster {
				return fmt.Errorf("%s: sentinel %s switched to %s although no failover may happen", f.Name, addr, m)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	res.NewMaster = res.OldMaster
	return nil
}

// rejoin waits until the old master replicates from the master the sentinels
// agree on. That is normally newMaster; if the sentinels moved the master
// again meanwhile (healing a partition can trigger a second failover), the old
// master must follow the current one, and the move is reported.
func (c *Checker) rejoin(ctx context.Context, old, newMaster string, o DrillOptions) (time.Duration, error) {
	start := time.Now()
	current := newMaster
	err := poll(ctx, o.Deadline, func() bool {
		if agreed := c.agreedMaster(ctx); agreed != "" {
			current = agreed
		}
		return current != old && c.replicatesFrom(ctx, old, current)
	})
	if err != nil {
		last := observeNode(ctx, old, c.node(old))
		return 0, fmt.Errorf("old master %s did not rejoin as a replica of %s (it reports role=%s master=%s:%s link=%s, err=%v): %w",
			old, current, last.Role, last.Info["master_host"], last.Info["master_port"], last.Info["master_link_status"], last.Err, err)
	}
	if current != newMaster {
		o.progress("the sentinels moved the master again, %s → %s, before the old master rejoined", newMaster, current)
	}
	return time.Since(start), nil
}

// settle waits until every health check passes again.
func (c *Checker) settle(ctx context.Context, res *DrillResult, o DrillOptions) error {
	err := poll(ctx, o.Deadline, func() bool {
		res.Health = c.Check(ctx)
		return res.Health.Passed()
	})
	if err != nil {
		return fmt.Errorf("after %s drill: %w: %v", res.Kind, ErrUnhealthy, res.Health.Failed())
	}
	o.progress("health checks pass again (master %s)", res.Health.Master)
	return nil
}

func (c *Checker) startWriter(ctx context.Context, interval time.Duration, waitReplicas int) (*writer, func()) {
	opts := c.target.FailoverOptions() // one attempt per write: what is acknowledged is counted honestly
	opts.ReadTimeout = time.Second
	client := redis.NewFailoverClient(opts)
	w := newWriter(client, KeyPrefix+"drill:"+randomHex(), interval, waitReplicas)
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.run(wctx)
	}()
	stopped := false
	return w, func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
}

func (o DrillOptions) withDefaults() DrillOptions {
	if o.WriteInterval == 0 {
		o.WriteInterval = defaultWriteInterval
	}
	if o.Deadline == 0 {
		o.Deadline = defaultDrillDeadline
	}
	if o.Progress == nil {
		o.Progress = func(string) {}
	}
	return o
}

func (o DrillOptions) progress(format string, args ...any) { o.Progress(fmt.Sprintf(format, args...)) }

// poll calls cond every pollInterval until it holds, ctx ends or within passes.
func poll(ctx context.Context, within time.Duration, cond func() bool) error {
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("not within %s", within)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollInterval):
		}
	}
	return nil
}

func ms(d time.Duration) string { return d.Round(time.Millisecond).String() }
