package verify

import (
	"context"
	"fmt"
	"time"
)

// Fault is a failure a drill injects and later heals. The built-in drills are
// Faults; platforms add their own (pause, partition, ...) from Faults-like
// primitives.
type Fault struct {
	Name string
	// Inject applies the fault to a cluster whose master is master.
	Inject func(ctx context.Context, master string) (FaultHandle, error)
	// Expect says whether Sentinel must, must not, or may elect a new master.
	Expect FailoverExpectation
	// Hold is how long a FailoverForbidden fault is kept before it is healed.
	Hold time.Duration
}

// FailoverExpectation is what a fault must do to the master's role.
type FailoverExpectation int

const (
	// FailoverRequired: a new master must take over (then the old one rejoins).
	FailoverRequired FailoverExpectation = iota
	// FailoverForbidden: no sentinel may name another master during Hold.
	FailoverForbidden
	// FailoverAllowed: either is fine; afterwards exactly one master must remain.
	FailoverAllowed
)

// FaultHandle is an injected fault.
type FaultHandle interface {
	// Switched is told the new master once every sentinel names it.
	Switched(ctx context.Context, newMaster string) error
	// Heal undoes the fault (restart, reconnect, unpause ...).
	Heal(ctx context.Context) error
}

// FaultFuncs adapts functions to FaultHandle; nil functions do nothing.
type FaultFuncs struct {
	OnSwitch func(ctx context.Context, newMaster string) error
	OnHeal   func(ctx context.Context) error
}

func (f FaultFuncs) Switched(ctx context.Context, newMaster string) error {
	if f.OnSwitch == nil {
		return nil
	}
	return f.OnSwitch(ctx, newMaster)
}

func (f FaultFuncs) Heal(ctx context.Context) error {
	if f.OnHeal == nil {
		return nil
	}
	return f.OnHeal(ctx)
}

// builtinFault maps a DrillKind to its Fault.
func (c *Checker) builtinFault(kind DrillKind, o DrillOptions) (Fault, error) {
	switch kind {
	case DrillCrash:
		if o.Faults == nil {
			return Fault{}, fmt.Errorf("crash drill: no fault injector for this platform")
		}
		return CrashFault(o.Faults), nil
	case DrillSwitchover:
		return Fault{Name: string(kind), Expect: FailoverRequired, Inject: func(ctx context.Context, master string) (FaultHandle, error) {
			s, err := c.safeSwitchover(ctx, master, o.withDefaults())
			if err != nil {
				return nil, err
			}
			return FaultFuncs{
				OnSwitch: s.finish,
				OnHeal:   func(ctx context.Context) error { s.release(ctx); return nil },
			}, nil
		}}, nil
	case DrillCrashRestart:
		if f, ok := o.Faults.(RestartFaults); ok {
			return CrashRestartFault(f), nil
		}
		return Fault{}, fmt.Errorf("crash-restart drill: this platform cannot restart a node in place")
	case DrillDataLoss:
		if f, ok := o.Faults.(DataLossFaults); ok {
			return DataLossFault(f), nil
		}
		return Fault{}, fmt.Errorf("data-loss drill: this platform cannot take a node's disk")
	case DrillPlainFailover:
		return Fault{Name: string(kind), Expect: FailoverRequired, Inject: func(ctx context.Context, _ string) (FaultHandle, error) {
			o.withDefaults().progress("SENTINEL FAILOVER %s without pausing writes", c.target.MasterName)
			return FaultFuncs{}, c.sentinelFailover(ctx)
		}}, nil
	default:
		return Fault{}, fmt.Errorf("unknown drill %q (want crash, crash-restart, data-loss, switchover or plain-failover)", kind)
	}
}

// CrashRestartFault kills the master and starts it again at once, as a
// restart policy or the kubelet does, before any failover can start: it
// must not come back as master (its AOF may lack what its replicas
// acknowledged), so the sentinels must fail over and it must rejoin.
func CrashRestartFault(p RestartFaults) Fault {
	return Fault{Name: "crash, restarted at once", Expect: FailoverRequired, Inject: func(ctx context.Context, master string) (FaultHandle, error) {
		return FaultFuncs{}, p.CrashRestart(ctx, master)
	}}
}

// DataLossFault takes the master's disk and starts it again on an empty one
// before any failover can start: it must not serve its empty dataset as
// master (its replicas would resync to nothing), so the sentinels must fail
// over and it must rejoin as a replica.
func DataLossFault(p DataLossFaults) Fault {
	return Fault{Name: "data lost, back at once", Expect: FailoverRequired, Inject: func(ctx context.Context, master string) (FaultHandle, error) {
		return FaultFuncs{}, p.LoseData(ctx, master)
	}}
}

// CrashFault kills the master through the platform and starts it again once
// a new master took over.
func CrashFault(p Faults) Fault {
	return Fault{Name: string(DrillCrash), Expect: FailoverRequired, Inject: func(ctx context.Context, master string) (FaultHandle, error) {
		if err := p.Crash(ctx, master); err != nil {
			return nil, err
		}
		return FaultFuncs{OnHeal: func(ctx context.Context) error { return p.Recover(ctx, master) }}, nil
	}}
}
