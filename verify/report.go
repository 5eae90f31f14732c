package verify

import (
	"fmt"
	"time"
)

// Check names, stable for --json consumers.
const (
	CheckSentinelsReachable = "sentinels-reachable"
	CheckMasterAgreement    = "master-agreement"
	CheckMasterRole         = "master-role"
	CheckSingleMaster       = "single-master"
	CheckReplication        = "replication"
	CheckSentinelPeers      = "sentinel-peers"
	CheckQuorum             = "quorum"
	CheckTimers             = "timers"
	CheckRoundTrip          = "write-read"
	// Standalone checks (no Sentinel): the node answers with auth, and it
	// persists what it acknowledges.
	CheckNodeReachable = "node-reachable"
	CheckPersistence   = "persistence"
)

// Result is one check's verdict with the evidence behind it.
type Result struct {
	Name     string        `json:"name"`
	OK       bool          `json:"ok"`
	Evidence string        `json:"evidence"`
	Elapsed  time.Duration `json:"elapsedNs"`
}

// Report is the outcome of Check.
type Report struct {
	// Master is the address every sentinel agreed on, empty when they did not.
	Master string `json:"master"`
	// SentinelsAnswered counts sentinels that could be asked at all; 0 means
	// a connection problem rather than an unhealthy cluster.
	SentinelsAnswered int `json:"sentinelsAnswered"`
	// ReplicasOnline is the master's connected replica count.
	ReplicasOnline int `json:"replicasOnline"`
	// Quorum is the quorum the sentinels are configured with.
	Quorum int `json:"quorum"`
	// Nodes are the data nodes the checks probed (the stack's and every
	// replica a sentinel knows).
	Nodes   []string      `json:"nodes"`
	Results []Result      `json:"results"`
	Elapsed time.Duration `json:"elapsedNs"`
}

// Passed reports whether every check passed.
func (r Report) Passed() bool {
	for _, res := range r.Results {
		if !res.OK {
			return false
		}
	}
	return len(r.Results) > 0
}

// Failed lists the checks that did not pass.
func (r Report) Failed() []Result {
	var out []Result
	for _, res := range r.Results {
		if !res.OK {
			out = append(out, res)
		}
	}
	return out
}

func pass(name, format string, args ...any) Result {
	return Result{Name: name, OK: true, Evidence: fmt.Sprintf(format, args...)}
}

func fail(name, format string, args ...any) Result {
	return Result{Name: name, OK: false, Evidence: fmt.Sprintf(format, args...)}
}
