package clients

import (
	"strings"
	"testing"
	"time"

	"github.com/platform-team/redis-sentinel/verify"
)

func TestTable_MarkdownColumnsPerFault(t *testing.T) {
	var docker, kube Row
	docker = Row{Library: "go-redis 9", Profile: "acl"}
	docker.Record("switchover", Event{LongestGapMs: 1130, Acked: 360}, verify.DrillResult{WriteGap: time.Second})
	docker.Record("kill", Event{LongestGapMs: 3290, Acked: 452, Lost: 2}, verify.DrillResult{})
	kube = Row{Library: "go-redis 9", Profile: "prod (kubernetes)"}
	kube.Record("pod-delete", Event{LongestGapMs: 2000, Acked: 300}, verify.DrillResult{})
	got := Table{docker, kube}.Markdown()
	want := "| client | profile | switchover: gap, lost (acked) | `docker kill` of the master: gap, lost (acked) | master pod deleted: gap, lost (acked) |\n" +
		"|---|---|---|---|---|\n" +
		"| go-redis 9 | acl | 1.13 s, 0 (360) | 3.29 s, 2 (452) | — |\n" +
		"| go-redis 9 | prod (kubernetes) | — | — | 2.00 s, 0 (300) |\n"
	if got != want {
		t.Errorf("Markdown():\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(got, "master pod deleted") {
		t.Error("no pod-delete column")
	}
}
