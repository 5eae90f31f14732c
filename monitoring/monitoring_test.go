package monitoring

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/platform-team/redis-sentinel/internal/testenv"
)

// knownMetrics is every series `redis-sentinel serve` exports. A name outside
// it in a rule or panel is a typo or a metric that does not exist (yet).
var knownMetrics = []string{
	// cluster level
	"redis_sentinel_healthy", "redis_sentinel_check_ok", "redis_sentinel_replicas_online",
	"redis_sentinel_sentinels_reachable", "redis_sentinel_quorum", "redis_sentinel_master",
	"redis_sentinel_failovers_seen_total", "redis_sentinel_last_failover_timestamp_seconds",
	"redis_sentinel_check_duration_seconds", "redis_sentinel_expected_replicas",
	"redis_sentinel_expected_sentinels", "redis_sentinel_min_replicas_to_write", "redis_sentinel_master_keys",
	// per data node
	"redis_sentinel_node_up", "redis_sentinel_node_is_master", "redis_sentinel_node_uptime_seconds",
	"redis_sentinel_node_connected_clients", "redis_sentinel_node_connected_replicas",
	"redis_sentinel_node_used_memory_bytes", "redis_sentinel_node_maxmemory_bytes", "redis_sentinel_node_keys",
	"redis_sentinel_node_ops_per_second", "redis_sentinel_node_keyspace_hits_total",
	"redis_sentinel_node_keyspace_misses_total", "redis_sentinel_node_evicted_keys_total",
	"redis_sentinel_node_expired_keys_total", "redis_sentinel_node_replication_offset",
	"redis_sentinel_node_replica_lag_bytes", "redis_sentinel_node_replica_lag_seconds",
	"redis_sentinel_node_master_link_up", "redis_sentinel_node_master_link_down_since_seconds",
	"redis_sentinel_node_aof_enabled", "redis_sentinel_node_aof_last_write_ok",
	"redis_sentinel_node_rdb_last_bgsave_ok",
	// per sentinel
	"redis_sentinel_sentinel_up", "redis_sentinel_sentinel_master_info",
	"redis_sentinel_sentinel_known_sentinels", "redis_sentinel_sentinel_known_replicas",
	"redis_sentinel_sentinel_master_sdown", "redis_sentinel_sentinel_master_odown",
	"redis_sentinel_sentinel_tilt", "redis_sentinel_sentinel_config_epoch",
	"redis_sentinel_sentinel_failovers_seen_total",
}

// metricSelector is a metric name with its optional {matchers}.
var metricSelector = regexp.MustCompile(`(redis_sentinel_[a-z_]+)(\{[^}]*\})?`)

// promtool runs promtool with args in the package directory and returns its
// output, failing the test when it exits non-zero.
func promtool(t *testing.T, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("promtool")
	if err != nil {
		testenv.Missing(t, "promtool (apt-get install -y prometheus)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestAlertRules_PromtoolCheck(t *testing.T) {
	promtool(t, "check", "rules", "alerts.yaml")
}

func TestAlertRules_PromtoolUnitTests(t *testing.T) {
	promtool(t, "test", "rules", "alerts_test.yaml")
}

// Every alert needs at least one unit test that expects it to fire, so a rule
// that can never fire (a wrong label match, say) cannot hide.
func TestAlertRules_EveryAlertHasAFiringTest(t *testing.T) {
	fired := firedLabels(t)
	for _, rule := range alertRules(t) {
		if name := rule["alert"].(string); fired[name] == nil {
			t.Errorf("%s: no test in alerts_test.yaml expects it to fire", name)
		}
	}
}

// firedLabels maps each alert that alerts_test.yaml expects to fire to the
// label names its expected alerts carry.
func firedLabels(t *testing.T) map[string]map[string]bool {
	t.Helper()
	var unitTests struct {
		Tests []struct {
			AlertRuleTest []struct {
				AlertName string `yaml:"alertname"`
				ExpAlerts []struct {
					ExpLabels map[string]string `yaml:"exp_labels"`
				} `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	raw, err := os.ReadFile("alerts_test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &unitTests); err != nil {
		t.Fatal(err)
	}
	fired := map[string]map[string]bool{}
	for _, tc := range unitTests.Tests {
		for _, at := range tc.AlertRuleTest {
			for _, exp := range at.ExpAlerts {
				if fired[at.AlertName] == nil {
					fired[at.AlertName] = map[string]bool{}
				}
				for label := range exp.ExpLabels {
					fired[at.AlertName][label] = true
				}
			}
		}
	}
	return fired
}

func TestRuleGroups_EveryRuleIsActionable(t *testing.T) {
	groups, err := RuleGroups()
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || groups[0]["name"] != "redis-sentinel" {
		t.Fatalf("want one group redis-sentinel, got %v", groups)
	}
	if _, ok := groups[0]["interval"]; ok {
		t.Error("the group sets interval; it should follow Prometheus's global evaluation_interval")
	}
	rules, fired := alertRules(t), firedLabels(t)
	if len(rules) < 15 {
		t.Fatalf("want at least 15 alerts, got %d", len(rules))
	}
	for _, rule := range rules {
		name, _ := rule["alert"].(string)
		labels, _ := rule["labels"].(map[string]any)
		annotations, _ := rule["annotations"].(map[string]any)
		if !slices.Contains([]string{"critical", "warning", "info"}, fmt.Sprint(labels["severity"])) {
			t.Errorf("%s: severity %q, want critical, warning or info", name, labels["severity"])
		}
		for _, key := range []string{"summary", "description", "runbook"} {
			if s, _ := annotations[key].(string); strings.TrimSpace(s) == "" {
				t.Errorf("%s: no annotations.%s", name, key)
			}
		}
		if runbook, _ := annotations["runbook"].(string); strings.Contains(runbook, "\n") {
			t.Errorf("%s: runbook spans lines: %q", name, runbook)
		}
		// The description names what the alert is about: the cluster, and the
		// node or sentinel when the alert carries that label.
		description, _ := annotations["description"].(string)
		for _, label := range []string{"cluster", "node", "sentinel"} {
			if (label == "cluster" || fired[name][label]) && !strings.Contains(description, "$labels."+label) {
				t.Errorf("%s: the description does not show {{ $labels.%s }}", name, label)
			}
		}
	}
}

// alertRules are the rules of every group in alerts.yaml.
func alertRules(t *testing.T) []map[string]any {
	t.Helper()
	groups, err := RuleGroups()
	if err != nil {
		t.Fatal(err)
	}
	var rules []map[string]any
	for _, g := range groups {
		for _, r := range g["rules"].([]any) {
			rules = append(rules, r.(map[string]any))
		}
	}
	return rules
}

func TestDashboard_ExprsArePromQL(t *testing.T) {
	exprs := dashboardExprs(t)
	// Grafana's variables, replaced by what Grafana would send.
	grafana := strings.NewReplacer(
		"${cluster}", ".*", "$cluster", ".*",
		"$__rate_interval", "1m", "$__interval", "1m", "$__range", "1m",
	)
	type recordingRule struct {
		Record string `yaml:"record"`
		Expr   string `yaml:"expr"`
	}
	var rules []recordingRule
	for i, expr := range exprs {
		promql := grafana.Replace(expr)
		if strings.Contains(promql, "$") {
			t.Errorf("expr %d uses a variable the test does not substitute: %s", i, expr)
		}
		rules = append(rules, recordingRule{Record: fmt.Sprintf("dashboard:expr_%d", i), Expr: promql})
	}
	file := map[string]any{"groups": []any{map[string]any{"name": "dashboard", "rules": rules}}}
	raw, err := yaml.Marshal(file)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dashboard_rules.yaml")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	out := promtool(t, "check", "rules", path)
	if want := fmt.Sprintf("%d rules found", len(exprs)); !strings.Contains(out, want) {
		t.Errorf("promtool did not check every expr (want %q):\n%s", want, out)
	}
}

func TestDashboard_OnlyKnownMetricsFilteredByCluster(t *testing.T) {
	for _, expr := range dashboardExprs(t) {
		selectors := metricSelector.FindAllStringSubmatch(expr, -1)
		if len(selectors) == 0 {
			t.Errorf("expr reads no redis_sentinel_ metric: %s", expr)
		}
		for _, sel := range selectors {
			if !slices.Contains(knownMetrics, sel[1]) {
				t.Errorf("unknown metric %s in: %s", sel[1], expr)
			}
			if !strings.Contains(sel[2], `cluster=~"$cluster"`) {
				t.Errorf("%s is not filtered by cluster=~\"$cluster\" in: %s", sel[1], expr)
			}
		}
	}
	for _, rule := range alertRules(t) {
		for _, name := range metricSelector.FindAllStringSubmatch(rule["expr"].(string), -1) {
			if !slices.Contains(knownMetrics, name[1]) {
				t.Errorf("alert %s: unknown metric %s", rule["alert"], name[1])
			}
		}
	}
}

func TestDashboard_Variables(t *testing.T) {
	var dash struct {
		SchemaVersion int `json:"schemaVersion"`
		Templating    struct {
			List []struct {
				Name, Type string
				Query      any
				Datasource any
			}
		}
	}
	if err := json.Unmarshal(Dashboard, &dash); err != nil {
		t.Fatal(err)
	}
	if dash.SchemaVersion != 39 {
		t.Errorf("schemaVersion %d, want 39", dash.SchemaVersion)
	}
	vars := map[string]string{}
	for _, v := range dash.Templating.List {
		vars[v.Name] = v.Type + " " + templateQuery(v.Query)
	}
	if vars["datasource"] != "datasource prometheus" {
		t.Errorf("datasource variable: %q, want a prometheus datasource variable", vars["datasource"])
	}
	if want := "query label_values(redis_sentinel_healthy, cluster)"; vars["cluster"] != want {
		t.Errorf("cluster variable: %q, want %q", vars["cluster"], want)
	}
	// Every panel and target queries the chosen data source.
	for _, ds := range findKey(decodeDashboard(t), "datasource") {
		m, ok := ds.(map[string]any)
		if ok && m["type"] == "prometheus" && m["uid"] != "${datasource}" {
			t.Errorf("datasource %v, want uid ${datasource}", m)
		}
	}
}

// dashboardExprs are the PromQL expressions of dashboard.json: every "expr"
// (panel targets, annotations) and every query variable but Grafana's own
// label_values(...) and friends.
func dashboardExprs(t *testing.T) []string {
	t.Helper()
	dash := decodeDashboard(t)
	var exprs []string
	for _, e := range findKey(dash, "expr") {
		if s, ok := e.(string); ok && s != "" {
			exprs = append(exprs, s)
		}
	}
	templating, _ := dash["templating"].(map[string]any)
	list, _ := templating["list"].([]any)
	for _, v := range list {
		v, _ := v.(map[string]any)
		if v["type"] != "query" {
			continue
		}
		q := templateQuery(v["query"])
		if strings.HasPrefix(q, "query_result(") { // Grafana wrapping PromQL
			exprs = append(exprs, strings.TrimSuffix(strings.TrimPrefix(q, "query_result("), ")"))
		} else if q != "" && !regexp.MustCompile(`^(label_values|label_names|metrics)\(`).MatchString(q) {
			exprs = append(exprs, q)
		}
	}
	if len(exprs) < 30 {
		t.Fatalf("found only %d exprs in dashboard.json", len(exprs))
	}
	return exprs
}

// templateQuery is a variable's query: a string, or {"query": "..."} as the
// Prometheus variable editor stores it.
func templateQuery(q any) string {
	if m, ok := q.(map[string]any); ok {
		q = m["query"]
	}
	s, _ := q.(string)
	return strings.TrimSpace(s)
}

func decodeDashboard(t *testing.T) map[string]any {
	t.Helper()
	var dash map[string]any
	if err := json.Unmarshal(Dashboard, &dash); err != nil {
		t.Fatalf("dashboard.json: %v", err)
	}
	return dash
}

// findKey returns the values of every key named key, at any depth.
func findKey(v any, key string) []any {
	var found []any
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) { // sorted: stable expr numbering
			child := v[k]
			if k == key {
				found = append(found, child)
			}
			found = append(found, findKey(child, key)...)
		}
	case []any:
		for _, child := range v {
			found = append(found, findKey(child, key)...)
		}
	}
	return found
}
