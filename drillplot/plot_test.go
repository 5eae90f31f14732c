package drillplot_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/platform-team/redis-sentinel/drillplot"
	"github.com/platform-team/redis-sentinel/internal/redistest"
	"github.com/platform-team/redis-sentinel/verify"
)

// A crash drill on a real native cluster, drawn: the picture holds both
// panels' axes, the legend, every phase mark and the nodes that were master.
func TestWrite_CrashDrillTimeline(t *testing.T) {
	c := redistest.Start(t, redistest.Options{})
	checker, err := verify.NewChecker(c.Target())
	if err != nil {
		t.Fatal(err)
	}
	defer checker.Close()
	res, err := checker.Drill(context.Background(), verify.DrillCrash, verify.DrillOptions{Faults: c, Deadline: 30 * time.Second})
	if err != nil {
		t.Fatalf("drill: %v", err)
	}
	if res.Timeline == nil || len(res.Timeline.Writes) == 0 || len(res.Timeline.Masters) == 0 {
		t.Fatalf("drill recorded no timeline: %+v", res.Timeline)
	}
	dir := t.TempDir()
	svg := filepath.Join(dir, "crash.svg")
	if err := drillplot.Write(*res.Timeline, "crash drill", svg); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	want := []string{"<svg", "crash drill", drillplot.TimeAxis, drillplot.LatencyAxis, drillplot.MasterAxis, drillplot.LegendOK,
		drillplot.LegendFail, verify.MarkFault, verify.MarkHeal, verify.MarkFirstSwitch, verify.MarkAllAgree, verify.MarkHealthy,
		res.OldMaster, res.NewMaster}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("the picture lacks %q", w)
		}
	}
	png := filepath.Join(dir, "crash.png")
	if err := drillplot.Write(*res.Timeline, "crash drill", png); err != nil {
		t.Fatal(err)
	}
	if head, _ := os.ReadFile(png); len(head) < 8 || string(head[1:4]) != "PNG" {
		t.Error("the .png is not a PNG")
	}
	if err := drillplot.Write(*res.Timeline, "x", filepath.Join(dir, "x.gif")); err == nil {
		t.Error("a .gif was accepted")
	}
	if os.Getenv("DRILLPLOT_KEEP") != "" {
		_ = os.WriteFile(os.Getenv("DRILLPLOT_KEEP"), raw, 0o644)
	}
}
