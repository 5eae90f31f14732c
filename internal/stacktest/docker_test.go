package stacktest_test

import (
	"strconv"
	"testing"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/internal/stacktest"
)

// A slot's ports must not collide with another slot's, and must stay below
// the ephemeral range where a loopback client connection can hold them (CI
// once failed on a monitor port at 38578 that way).
func TestSlot_PortsDisjointAndBelowEphemeralRange(t *testing.T) {
	const ephemeralStart = 32768
	owner := map[int]stacktest.Slot{}
	for s := stacktest.Slot(0); s < 20; s++ {
		cfg := s.Config()
		nodes, _ := strconv.Atoi(cfg[cluster.KeyDockerNodePortBase])
		sentinels, _ := strconv.Atoi(cfg[cluster.KeyDockerSentinelPortBase])
		var ports []int
		for i := 0; i < 5; i++ { // up to 5 data nodes and 5 sentinels per slot
			ports = append(ports, nodes+i, sentinels+i)
		}
		ports = append(ports, sentinels+99) // the monitor's default
		for _, p := range ports {
			if p >= ephemeralStart {
				t.Errorf("slot %d: port %d is in the ephemeral range (>= %d)", s, p, ephemeralStart)
			}
			if o, taken := owner[p]; taken {
				t.Errorf("slot %d: port %d already belongs to slot %d", s, p, o)
			}
			owner[p] = s
		}
	}
}
