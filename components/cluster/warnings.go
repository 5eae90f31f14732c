package cluster

import "fmt"

// SafeDownAfterMilliseconds is the smallest down-after that leaves Sentinel
// time to reach a newly promoted master. After a failover away from a dead
// master, a sentinel reconnects at most once per second (counted from its
// last attempt on the dead one) and starts the new master's down-after clock
// at the switch: at 1000 ms its first PING can come too late, every sentinel
// declares the new master down at once and fails over a second time. Clients
// still writing to the intermediate master lose those writes (unless
// minReplicasToWrite refuses them). Seen on this project's 2-core hosts under
// load; 2000 ms leaves a second of slack.
const SafeDownAfterMilliseconds = 2000

// Warnings are valid settings that are risky outside drills, each naming its
// config key. Unlike Validate's problems they do not stop a deployment.
func Warnings(s Spec) []string {
	var out []string
	if s.Mode == ModeSentinel && s.Timers.DownAfterMilliseconds < SafeDownAfterMilliseconds {
		out = append(out, fmt.Sprintf("%s: %d is below %d: right after a failover from a dead master the sentinels can declare the new master down before they reconnect to it, and fail over twice (use %d or more outside drills)",
			KeyDownAfter, s.Timers.DownAfterMilliseconds, SafeDownAfterMilliseconds, SafeDownAfterMilliseconds))
	}
	return out
}
