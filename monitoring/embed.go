// Package monitoring ships what watches a deployed cluster through the metrics
// of `redis-sentinel serve`: Prometheus alerting rules (alerts.yaml, unit
// tested by alerts_test.yaml with promtool) and a Grafana dashboard
// (dashboard.json). Both are embedded so the provisioner can deploy them, for
// example as a Kubernetes PrometheusRule and a dashboard ConfigMap.
package monitoring

import (
	_ "embed"
	"fmt"

	"gopkg.in/yaml.v3"
)

// AlertRules is alerts.yaml: a Prometheus rule file with the one group
// "redis-sentinel".
//
//go:embed alerts.yaml
var AlertRules []byte

// Dashboard is dashboard.json: a Grafana dashboard model (schemaVersion 39)
// with a ${datasource} Prometheus variable and a cluster variable.
//
//go:embed dashboard.json
var Dashboard []byte

// RuleGroups decodes the `groups` of AlertRules, ready to become the
// spec.groups of a PrometheusRule (same shape as a Prometheus rule file).
func RuleGroups() ([]map[string]any, error) {
	var file struct {
		Groups []map[string]any `yaml:"groups"`
	}
	if err := yaml.Unmarshal(AlertRules, &file); err != nil {
		return nil, fmt.Errorf("monitoring: decode alerts.yaml: %w", err)
	}
	if len(file.Groups) == 0 {
		return nil, fmt.Errorf("monitoring: alerts.yaml has no rule groups")
	}
	return file.Groups, nil
}
