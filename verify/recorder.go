package verify

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Recorder runs the drills' instruments for as long as its caller wants (a
// soak): the writer through Sentinel (WAIT as configured), a reader through
// Sentinel, and the role sampler, with marks the caller adds.
type Recorder struct {
	start      time.Time
	w          *writer
	stopWriter func()
	roles      *roleSampler
	stopRoles  func()
	reads      *reader
	stopReader func()
	marks      marks
}

// ReadReport is what the reader saw.
type ReadReport struct {
	OK     int `json:"ok"`
	Failed int `json:"failed"`
}

// StartRecorder starts writing every interval (waitReplicas as in
// DrillOptions.WaitReplicas), reading as often, and sampling roles.
func (c *Checker) StartRecorder(ctx context.Context, interval time.Duration, waitReplicas int) *Recorder {
	r := &Recorder{start: time.Now()}
	r.w, r.stopWriter = c.startWriter(ctx, interval, waitReplicas)
	r.roles, r.stopRoles = c.startRoleSampler(ctx)
	r.reads, r.stopReader = c.startReader(ctx, r.w.key, interval)
	return r
}

// Mark records a moment (MarkFault, MarkHeal ...) on the timeline.
func (r *Recorder) Mark(at time.Time, kind, label string) { r.marks.add(at, kind, label) }

// Writes returns every write attempt so far.
func (r *Recorder) Writes() []WriteSample { return r.w.writeSamples() }

// Lost counts the writes acknowledged so far that the current master does
// not hold (a soak asks after each fault, to attribute a loss to it). The
// writer keeps running: only writes acknowledged before the read count.
func (r *Recorder) Lost(ctx context.Context) (int, error) { return r.w.lostBefore(ctx, time.Now()) }

// MostMastersSince is the most data nodes seen claiming master at one
// sample since t: 2 or more means an old master took writes while the
// sentinels promoted another.
func (r *Recorder) MostMastersSince(t time.Time) int {
	most := 0
	for _, s := range r.roles.masterSamples() {
		if !s.At.Before(t) {
			most = max(most, len(s.Masters))
		}
	}
	return most
}

// Stop stops every instrument, counts acknowledged writes missing on the
// current master, removes the writer's key, and returns what was recorded.
func (r *Recorder) Stop(ctx context.Context) (WriteReport, ReadReport, Timeline, int, error) {
	r.stopReader()
	r.stopWriter()
	r.stopRoles()
	s := r.w.stats()
	lost, err := r.w.lost(ctx)
	_ = r.w.client.Del(ctx, r.w.key).Err()
	tl := Timeline{Start: r.start, End: time.Now(), Writes: r.w.writeSamples(), Masters: r.roles.masterSamples(), Marks: r.marks.all()}
	reads := r.reads.report()
	return WriteReport{Acked: s.Acked, Failed: s.Failed, Lost: lost, LongestGap: s.LongestGap}, reads, tl, r.roles.mostMasters(), err
}

// AgreedMaster is the master every answering sentinel names ("" when they
// disagree or none answers).
func (c *Checker) AgreedMaster(ctx context.Context) string { return c.agreedMaster(ctx) }

// reader reads the writer's key through Sentinel (replicas may serve it
// stale; it goes to the master here) and counts answers.
type reader struct {
	mu         sync.Mutex
	ok, failed int
}

func (c *Checker) startReader(ctx context.Context, key string, interval time.Duration) (*reader, func()) {
	opts := c.target.FailoverOptions()
	opts.ReadTimeout = time.Second
	client := redis.NewFailoverClient(opts)
	r := &reader{}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer client.Close()
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			select {
			case <-rctx.Done():
				return
			case <-ticker.C:
				err := client.LIndex(rctx, key, -1).Err()
				if rctx.Err() != nil {
					return
				}
				r.mu.Lock()
				if err == nil || err == redis.Nil {
					r.ok++
				} else {
					r.failed++
				}
				r.mu.Unlock()
			}
		}
	}()
	var once sync.Once
	return r, func() { once.Do(func() { cancel(); <-done }) }
}

func (r *reader) report() ReadReport {
	r.mu.Lock()
	defer r.mu.Unlock()
	return ReadReport{OK: r.ok, Failed: r.failed}
}
