package health

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/verify"
)

// LoadTargetFile reads a monitor target file (cluster.MonitorTarget) and the
// password and CA files it names: how the deployed monitor learns its
// cluster without a secret in argv or env.
func LoadTargetFile(path string) (verify.Target, ClusterInfo, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return verify.Target{}, ClusterInfo{}, fmt.Errorf("target file: %w", err)
	}
	var file cluster.MonitorTarget
	if err := json.Unmarshal(raw, &file); err != nil {
		return verify.Target{}, ClusterInfo{}, fmt.Errorf("target file %s: %w", path, err)
	}
	password, err := os.ReadFile(file.PasswordFile)
	if err != nil {
		return verify.Target{}, ClusterInfo{}, fmt.Errorf("target file %s: passwordFile: %w", path, err)
	}
	t := verify.Target{
		Sentinels:  file.Sentinels,
		MasterName: file.MasterName,
		Username:   file.Username,
		Password:   strings.TrimRight(string(password), "\n"),
		Nodes:      file.Nodes,
		KeyPrefix:  file.KeyPrefix,
		Expect:     verify.Expectations{Replicas: file.Replicas},
	}
	if file.Mode == cluster.ModeStandalone && len(file.Nodes) > 0 {
		t.Standalone, t.Nodes = file.Nodes[0], nil
	}
	if file.TLSCACertFile != "" {
		ca, err := os.ReadFile(file.TLSCACertFile)
		if err != nil {
			return verify.Target{}, ClusterInfo{}, fmt.Errorf("target file %s: tlsCaCertFile: %w", path, err)
		}
		if t.TLS, err = verify.TLSConfigFromPEM(string(ca)); err != nil {
			return verify.Target{}, ClusterInfo{}, fmt.Errorf("target file %s: tlsCaCertFile: %w", path, err)
		}
	}
	return t, ClusterInfo{Name: file.Cluster, MinReplicasToWrite: file.MinReplicasToWrite}, nil
}
