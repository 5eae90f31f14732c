package verify

import (
	"errors"
	"strings"
	"testing"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

func view(addr, master string, peers int) sentinelView {
	v := sentinelView{Addr: addr, Master: master, Info: map[string]string{
		"flags": "master", "down-after-milliseconds": "1000", "failover-timeout": "10000", "parallel-syncs": "1",
	}}
	for range peers {
		v.Peers = append(v.Peers, map[string]string{})
	}
	v.Replicas = []map[string]string{{"ip": "10.0.0.2", "port": "6379"}, {"ip": "10.0.0.3", "port": "6379"}}
	return v
}

func TestCheckAgreement_Cases(t *testing.T) {
	down := sentinelView{Addr: "s3", Err: errors.New("refused")}
	tests := []struct {
		name       string
		views      []sentinelView
		wantMaster string
		wantOK     bool
		evidence   string
	}{
		{"all agree", []sentinelView{view("s1", "m:1", 2), view("s2", "m:1", 2), view("s3", "m:1", 2)}, "m:1", true, "all 3"},
		{"one disagrees", []sentinelView{view("s1", "m:1", 2), view("s2", "m:1", 2), view("s3", "m:2", 2)}, "", false, "m:2 by s3"},
		{"one unreachable", []sentinelView{view("s1", "m:1", 2), view("s2", "m:1", 2), down}, "", false, "m:1 by s1,s2"},
		{"none knows a master", []sentinelView{view("s1", "", 2)}, "", false, "(none) by s1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			master, res := checkAgreement(tt.views)
			if master != tt.wantMaster || res.OK != tt.wantOK || !strings.Contains(res.Evidence, tt.evidence) {
				t.Fatalf("got master %q ok=%v %q; want %q ok=%v containing %q", master, res.OK, res.Evidence, tt.wantMaster, tt.wantOK, tt.evidence)
			}
		})
	}
}

func TestCheckPeers_Cases(t *testing.T) {
	sdown := view("s2", "m:1", 2)
	sdown.Info["flags"] = "s_down,master"
	tests := []struct {
		name     string
		views    []sentinelView
		replicas int
		wantOK   bool
		evidence string
	}{
		{"complete", []sentinelView{view("s1", "m:1", 2), view("s2", "m:1", 2), view("s3", "m:1", 2)}, 2, true, "2 others"},
		{"sentinel missing a peer", []sentinelView{view("s1", "m:1", 1), view("s2", "m:1", 2), view("s3", "m:1", 2)}, 2, false, "s1 sees 1 other sentinels, want 2"},
		{"too few replicas known", []sentinelView{view("s1", "m:1", 0)}, 3, false, "s1 sees 2 replicas, want 3"},
		{"master flagged down", []sentinelView{view("s1", "m:1", 1), sdown}, 2, false, `s2 flags master "s_down,master"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := checkPeers(tt.views, tt.replicas)
			if res.OK != tt.wantOK || !strings.Contains(res.Evidence, tt.evidence) {
				t.Fatalf("ok=%v %q; want ok=%v containing %q", res.OK, res.Evidence, tt.wantOK, tt.evidence)
			}
		})
	}
}

func TestCheckTimers_MismatchNamesFieldAndSentinel(t *testing.T) {
	views := []sentinelView{view("s1", "m:1", 0)}
	if res := checkTimers(views, cluster.Timers{DownAfterMilliseconds: 1000, FailoverTimeoutMilliseconds: 10000, ParallelSyncs: 1}); !res.OK {
		t.Fatalf("matching timers failed: %s", res.Evidence)
	}
	res := checkTimers(views, cluster.Timers{DownAfterMilliseconds: 5000, FailoverTimeoutMilliseconds: 10000, ParallelSyncs: 1})
	if res.OK || res.Evidence != "s1 down-after-milliseconds=1000, want 5000" {
		t.Fatalf("ok=%v %q", res.OK, res.Evidence)
	}
}

func TestCheckReplication_Cases(t *testing.T) {
	master := nodeView{Addr: "m:1", Role: "master", Info: map[string]string{"connected_slaves": "2", "master_repl_offset": "1000"}}
	replica := func(addr, link, offset string) nodeView {
		return nodeView{Addr: addr, Role: "slave", Info: map[string]string{"master_link_status": link, "slave_repl_offset": offset}}
	}
	tests := []struct {
		name     string
		nodes    []nodeView
		wantOK   bool
		evidence string
	}{
		{"in sync", []nodeView{master, replica("r:1", "up", "1000"), replica("r:2", "up", "990")}, true, "worst lag 10 bytes"},
		{"link down", []nodeView{master, replica("r:1", "down", "1000"), replica("r:2", "up", "1000")}, false, "r:1 master_link_status=down"},
		{"lagging", []nodeView{master, replica("r:1", "up", "0"), replica("r:2", "up", "1000")}, false, "r:1 lags 1000 bytes (bound 100)"},
		{"master unreachable", []nodeView{{Addr: "m:1", Err: errors.New("refused")}}, false, "master m:1 not reachable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := checkReplication("m:1", tt.nodes, 2, 100)
			if res.OK != tt.wantOK || !strings.Contains(res.Evidence, tt.evidence) {
				t.Fatalf("ok=%v %q; want ok=%v containing %q", res.OK, res.Evidence, tt.wantOK, tt.evidence)
			}
		})
	}
}

func TestCheckSingleMaster_DetectsSecondMaster(t *testing.T) {
	nodes := []nodeView{{Addr: "m:1", Role: "master"}, {Addr: "r:1", Role: "master"}, {Addr: "r:2", Role: "slave"}}
	if res := checkSingleMaster("m:1", nodes); res.OK || !strings.Contains(res.Evidence, "r:1") {
		t.Fatalf("ok=%v %q", res.OK, res.Evidence)
	}
	if res := checkSingleMaster("m:1", nodes[:1]); !res.OK {
		t.Fatalf("single master reported as split brain: %s", res.Evidence)
	}
}

func TestParseInfo_SkipsSectionsAndBlankLines(t *testing.T) {
	got := ParseInfo("# Replication\r\nrole:master\r\nconnected_slaves:2\r\n\r\nslave0:ip=1.2.3.4,port=6379\r\n")
	if got["role"] != "master" || got["connected_slaves"] != "2" || got["slave0"] != "ip=1.2.3.4,port=6379" || len(got) != 3 {
		t.Fatalf("parsed %v", got)
	}
}
