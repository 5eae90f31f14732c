package verify_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/platform-team/redis-sentinel/verify"
)

func TestReplicasResyncedFromRestartedMaster(t *testing.T) {
	zero := strings.Repeat("0", 40)
	master := func(uptime, replid2 string) map[string]string {
		return map[string]string{"role": "master", "uptime_in_seconds": uptime, "master_replid2": replid2}
	}
	replica := func(uptime, follows string) map[string]string {
		host, port, _ := strings.Cut(follows, ":")
		return map[string]string{"role": "slave", "uptime_in_seconds": uptime, "master_host": host, "master_port": port}
	}
	const m = "10.0.0.1:6379"
	for _, tt := range []struct {
		name     string
		master   map[string]string
		replicas map[string]map[string]string
		want     []string
	}{
		{"restarted master under older replicas", master("12", zero),
			map[string]map[string]string{"r1": replica("7200", m), "r2": replica("30", m)}, []string{"r1"}},
		{"a fresh cluster starts together", master("40", zero),
			map[string]map[string]string{"r1": replica("55", m), "r2": replica("52", m)}, nil},
		{"a promoted replica is no restarted master", master("7300", "a3f"+strings.Repeat("1", 37)),
			map[string]map[string]string{"r1": replica("9000", m)}, nil},
		{"promoted since it started (replid2 set)", master("12", "a3f"+strings.Repeat("1", 37)),
			map[string]map[string]string{"r1": replica("7200", m)}, nil},
		{"long enough ago it is history", master("900", zero),
			map[string]map[string]string{"r1": replica("7200", m)}, nil},
		{"an older replica of another master", master("12", zero),
			map[string]map[string]string{"r1": replica("7200", "10.0.0.9:6379")}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := verify.ReplicasResyncedFromRestartedMaster(m, tt.master, tt.replicas); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDatasetKeys(t *testing.T) {
	info := verify.ParseInfo("# Keyspace\r\ndb0:keys=2000,expires=3,avg_ttl=100\r\ndb3:keys=5,expires=0,avg_ttl=0\r\n")
	if got := verify.DatasetKeys(info); got != 2005 {
		t.Errorf("DatasetKeys = %d, want 2005", got)
	}
}
