package verify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	// pauseSafetyNet bounds CLIENT PAUSE on the server itself, so writes resume
	// even if this process dies mid-switchover.
	pauseSafetyNet = 10 * time.Second
	// catchUpDeadline bounds the wait for replicas while writes are paused.
	catchUpDeadline = 2 * time.Second
)

// switchover is a safe switchover in progress: writes on the old master are
// paused and Sentinel has been asked to fail over.
type switchover struct {
	c        *Checker
	master   string
	pausedAt time.Time
	o        DrillOptions
	once     sync.Once
}

// safeSwitchover pauses writes on the master, waits until every online replica
// has the master's full stream, and asks Sentinel to fail over. The old master
// acknowledges nothing after its last byte reached the replicas, so nothing is
// lost. Call finish once the sentinels agree on the new master, or release to
// abort.
func (c *Checker) safeSwitchover(ctx context.Context, master string, o DrillOptions) (*switchover, error) {
	m := c.node(master)
	if err := m.Do(ctx, "CLIENT", "PAUSE", pauseSafetyNet.Milliseconds(), "WRITE").Err(); err != nil {
		return nil, fmt.Errorf("node %s: client pause write: %w", master, err)
	}
	s := &switchover{c: c, master: master, pausedAt: time.Now(), o: o}
	o.progress("writes paused on %s", master)
	offset, err := c.waitReplicasCaughtUp(ctx, master)
	if err == nil {
		o.progress("replicas caught up to offset %d after %s; SENTINEL FAILOVER", offset, ms(time.Since(s.pausedAt)))
		err = c.sentinelFailover(ctx)
	}
	if err != nil {
		s.release(ctx)
		return nil, err
	}
	return s, nil
}

// finish demotes the old master to a replica of the new one before lifting
// the pause. Sentinel would do the same only some seconds later; meanwhile the
// old master would take writes from clients that still talk to it, and lose
// them. Like Sentinel when it reconfigures a node, it then closes the old
// master's client connections, so a client that does not follow Sentinel's
// switch events (ioredis) reconnects and rediscovers instead of writing to a
// replica: the paused writes fail and their clients move to the new master.
// One connection does it all (CLIENT KILL skips its own).
func (s *switchover) finish(ctx context.Context, newMaster string) error {
	host, port, err := net.SplitHostPort(newMaster)
	if err != nil {
		s.release(ctx)
		return fmt.Errorf("node %s: new master %q: %w", s.master, newMaster, err)
	}
	conn := s.c.node(s.master).Conn()
	defer conn.Close()
	_, err = conn.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.SlaveOf(ctx, host, port)
		p.ConfigRewrite(ctx) // persist the role (Sentinel does the same), so a restart keeps it
		p.Do(ctx, "CLIENT", "KILL", "TYPE", "normal")
		p.Do(ctx, "CLIENT", "KILL", "TYPE", "pubsub")
		return nil
	})
	s.releaseOn(ctx, conn)
	if err != nil {
		return fmt.Errorf("node %s: demote to replica of %s: %w", s.master, newMaster, err)
	}
	return nil
}

// release lifts the pause (once; the server lifts it after pauseSafetyNet anyway).
func (s *switchover) release(ctx context.Context) {
	s.releaseOn(ctx, s.c.node(s.master))
}

// releaseOn lifts the pause through client c.
func (s *switchover) releaseOn(ctx context.Context, c interface {
	Do(ctx context.Context, args ...any) *redis.Cmd
}) {
	s.once.Do(func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.c.target.Timeout)
		defer cancel()
		if err := c.Do(uctx, "CLIENT", "UNPAUSE").Err(); err != nil {
			s.o.progress("WARNING: client unpause on %s: %v (the server lifts the pause after %s)", s.master, err, pauseSafetyNet)
			return
		}
		s.o.progress("writes released on %s after %s", s.master, ms(time.Since(s.pausedAt)))
	})
}

// waitReplicasCaughtUp polls every online replica until its processed offset
// reaches the (paused, so fixed) master offset.
func (c *Checker) waitReplicasCaughtUp(ctx context.Context, master string) (int64, error) {
	text, err := c.node(master).Info(ctx, "replication").Result()
	if err != nil {
		return 0, fmt.Errorf("node %s: info replication: %w", master, err)
	}
	info := ParseInfo(text)
	target, _ := strconv.ParseInt(info["master_repl_offset"], 10, 64)
	replicas := onlineReplicas(info)
	if len(replicas) == 0 {
		return 0, fmt.Errorf("node %s: no online replica to hand over to", master)
	}
	err = poll(ctx, catchUpDeadline, func() bool {
		for _, r := range replicas {
			text, err := c.node(r).Info(ctx, "replication").Result()
			if err != nil {
				return false
			}
			got, _ := strconv.ParseInt(ParseInfo(text)["slave_repl_offset"], 10, 64)
			if got < target {
				return false
			}
		}
		return true
	})
	if err != nil {
		return 0, fmt.Errorf("replicas %v did not reach offset %d: %w", replicas, target, err)
	}
	return target, nil
}

// onlineReplicas parses the master's slaveN lines (announced ip and port).
func onlineReplicas(info map[string]string) []string {
	var out []string
	for i := 0; ; i++ {
		line, ok := info["slave"+strconv.Itoa(i)]
		if !ok {
			return out
		}
		fields := map[string]string{}
		for _, kv := range strings.Split(line, ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				fields[k] = v
			}
		}
		if fields["state"] == "online" {
			out = append(out, net.JoinHostPort(fields["ip"], fields["port"]))
		}
	}
}

// sentinelFailover asks the sentinels, in order, until one starts a failover.
func (c *Checker) sentinelFailover(ctx context.Context) error {
	var errs []error
	for _, addr := range c.target.Sentinels {
		err := c.sentinels[addr].Failover(ctx, c.target.MasterName).Err()
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("sentinel %s: failover %s: %w", addr, c.target.MasterName, err))
	}
	return errors.Join(errs...)
}

// replicatesFrom reports whether node replicates from master with its link up.
func (c *Checker) replicatesFrom(ctx context.Context, node, master string) bool {
	text, err := c.node(node).Info(ctx, "replication").Result()
	if err != nil {
		return false
	}
	info := ParseInfo(text)
	return info["role"] == "slave" && info["master_link_status"] == "up" &&
		net.JoinHostPort(info["master_host"], info["master_port"]) == master
}
