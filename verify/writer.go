package verify

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// writer appends sequence numbers to one list through the Sentinel client at a
// fixed interval and records which appends were acknowledged, so a drill can
// tell exactly which acknowledged writes a failover lost.
type writer struct {
	client   *redis.Client
	key      string
	interval time.Duration
	// replicas > 0 makes a write count as acknowledged only once WAIT reports
	// that many replicas have it: what an app needing durability does.
	replicas int

	mu      sync.Mutex
	acked   []ackedWrite
	failed  int
	seq     int
	samples []WriteSample
}

type ackedWrite struct {
	seq int
	at  time.Time
}

func newWriter(client *redis.Client, key string, interval time.Duration, replicas int) *writer {
	return &writer{client: client, key: key, interval: interval, replicas: replicas}
}

// waitTimeout bounds WAIT for replica acknowledgement.
const waitTimeout = 100 * time.Millisecond

// run writes until ctx is done.
func (w *writer) run(ctx context.Context) {
	ticker := time.NewTicker(w.interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			w.writeOne(ctx)
		}
	}
}

func (w *writer) writeOne(ctx context.Context) {
	w.mu.Lock()
	w.seq++
	seq := w.seq
	w.mu.Unlock()
	start := time.Now()
	err := w.push(ctx, seq)
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	if ctx.Err() != nil { // stopped mid-write: neither a failure nor an ack
		return
	}
	w.samples = append(w.samples, WriteSample{At: start, Latency: now.Sub(start), OK: err == nil})
	if err != nil {
		w.failed++
		return
	}
	w.acked = append(w.acked, ackedWrite{seq: seq, at: now})
}

// push appends seq; with replicas > 0, RPUSH and WAIT go down one connection
// and the write counts only when enough replicas confirm it.
func (w *writer) push(ctx context.Context, seq int) error {
	if w.replicas == 0 {
		return w.client.RPush(ctx, w.key, seq).Err()
	}
	var waited *redis.Cmd
	_, err := w.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.RPush(ctx, w.key, seq)
		waited = p.Do(ctx, "WAIT", w.replicas, waitTimeout.Milliseconds())
		return nil
	})
	if err != nil {
		return err
	}
	if n, err := waited.Int64(); err != nil || n < int64(w.replicas) {
		return fmt.Errorf("WAIT: %d of %d replicas acknowledged", n, w.replicas)
	}
	return nil
}

// writeStats summarizes what the client experienced.
type writeStats struct {
	Acked  int
	Failed int
	// LongestGap is the longest time between two consecutive acknowledged
	// writes: the client-observed write outage.
	LongestGap time.Duration
	// GapEnd is the first acknowledged write after the longest gap.
	GapEnd time.Time
}

func (w *writer) stats() writeStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := writeStats{Acked: len(w.acked), Failed: w.failed}
	for i := 1; i < len(w.acked); i++ {
		if gap := w.acked[i].at.Sub(w.acked[i-1].at); gap > s.LongestGap {
			s.LongestGap, s.GapEnd = gap, w.acked[i].at
		}
	}
	return s
}

// writeSamples returns every write attempt so far.
func (w *writer) writeSamples() []WriteSample {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.samples)
}

// ackedAfter reports whether a write was acknowledged after t.
func (w *writer) ackedAfter(t time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.acked) > 0 && w.acked[len(w.acked)-1].at.After(t)
}

// lost reads the list back from the current master and returns how many
// acknowledged writes are missing from it.
func (w *writer) lost(ctx context.Context) (int, error) { return w.lostBefore(ctx, time.Now()) }

// lostBefore counts the writes acknowledged before cutoff that the current
// master lacks. While the writer runs, cutoff must precede the read: a write
// acknowledged after LRANGE ran is not in its answer, yet not lost.
func (w *writer) lostBefore(ctx context.Context, cutoff time.Time) (int, error) {
	values, err := w.client.LRange(ctx, w.key, 0, -1).Result()
	if err != nil {
		return 0, fmt.Errorf("read back %s: %w", w.key, err)
	}
	present := make(map[int]bool, len(values))
	for _, v := range values {
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, fmt.Errorf("read back %s: unexpected element %q", w.key, v)
		}
		present[n] = true
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	missing := 0
	for _, a := range w.acked {
		if a.at.Before(cutoff) && !present[a.seq] {
			missing++
		}
	}
	return missing, nil
}

// Writer is the drills' background writer, for callers that run it across
// their own actions (a rolling upgrade, say).
type Writer struct {
	w    *writer
	stop func()
}

// WriteReport is what a Writer's client saw.
type WriteReport struct {
	Acked      int           `json:"acked"`
	Failed     int           `json:"failed"`
	Lost       int           `json:"lost"`
	LongestGap time.Duration `json:"longestGapNs"`
}

// StartWriter starts writing through the Sentinel client every interval;
// waitReplicas as in DrillOptions.WaitReplicas.
func (c *Checker) StartWriter(ctx context.Context, interval time.Duration, waitReplicas int) *Writer {
	w, stop := c.startWriter(ctx, interval, waitReplicas)
	return &Writer{w: w, stop: stop}
}

// Stop stops writing, counts acknowledged writes missing on the current
// master, and removes the writer's key.
func (w *Writer) Stop(ctx context.Context) (WriteReport, error) {
	w.stop()
	s := w.w.stats()
	lost, err := w.w.lost(ctx)
	_ = w.w.client.Del(ctx, w.w.key).Err()
	return WriteReport{Acked: s.Acked, Failed: s.Failed, Lost: lost, LongestGap: s.LongestGap}, err
}
