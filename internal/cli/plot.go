package cli

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/platform-team/redis-sentinel/drillplot"
	"github.com/platform-team/redis-sentinel/verify"
)

// bindPlot binds --plot, shared by drill, matrix and soak.
func bindPlot(fs *pflag.FlagSet, path *string) {
	fs.StringVar(path, "plot", "", "also draw the timeline (write latency and failures, fault/heal/switch marks, the master over time) to this .svg or .png")
}

// writePlot draws the drills' joined timeline to path ("" does nothing).
func writePlot(stderr io.Writer, path, title string, results []verify.DrillResult) error {
	if path == "" {
		return nil
	}
	var tls []verify.Timeline
	for _, r := range results {
		if r.Timeline != nil {
			tls = append(tls, *r.Timeline)
		}
	}
	return writeTimeline(stderr, path, title, verify.MergeTimelines(tls))
}

func writeTimeline(stderr io.Writer, path, title string, tl verify.Timeline) error {
	if path == "" {
		return nil
	}
	if err := drillplot.Write(tl, title, path); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "timeline drawn to %s\n", path)
	return nil
}
