package render

import (
	"encoding/json"
	"fmt"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// MonitorTarget renders the monitor's target file (cluster.MonitorTarget as
// JSON): plain configuration, no secret, so a ConfigMap on Kubernetes.
func MonitorTarget(s cluster.Spec, l cluster.Layout) string {
	out, err := json.MarshalIndent(cluster.MonitorTargetFor(s, l), "", "  ")
	if err != nil { // a struct of strings and ints always marshals
		panic(err)
	}
	return string(out) + "\n"
}

// MonitorCheckInterval is how often the monitor re-checks; failovers show at
// once regardless (it follows +switch-master). A pass costs ~10 ms.
const MonitorCheckInterval = "2s"

// MonitorArgs is the monitor's command line after the binary.
func MonitorArgs() []string {
	return []string{"serve", "--target-file", cluster.MonitorTargetPath, "--listen", fmt.Sprintf(":%d", cluster.MonitorPort), "--interval", MonitorCheckInterval}
}
