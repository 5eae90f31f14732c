package cluster_test

import (
	"strings"
	"testing"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

func TestWarnings_DownAfterBelowSafeFloor(t *testing.T) {
	cases := []struct {
		name      string
		mode      cluster.Mode
		downAfter int
		want      string
	}{
		{"drill setting", cluster.ModeSentinel, 1000, "downAfterMilliseconds: 1000 is below 2000"},
		{"staging", cluster.ModeSentinel, 2000, ""},
		{"default", cluster.ModeSentinel, cluster.DefaultDownAfterMilliseconds, ""},
		{"standalone has no sentinels", cluster.ModeStandalone, 1000, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := cluster.SetDefaults(cluster.Spec{Mode: tc.mode, Timers: cluster.Timers{DownAfterMilliseconds: tc.downAfter}}, "test")
			got := strings.Join(cluster.Warnings(s), "\n")
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("Warnings() = %q, want %q", got, tc.want)
			}
		})
	}
}
