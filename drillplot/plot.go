// Package drillplot draws a drill's or a soak's timeline with gonum/plot:
// on top, every write's latency (acknowledged) and every failed write, with
// the fault, heal, first-switch, all-agree and healthy marks; below, which
// node claimed master over time. For people who would rather look than read.
package drillplot

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	_ "gonum.org/v1/plot/vg/vgimg" // registers png
	_ "gonum.org/v1/plot/vg/vgsvg" // registers svg

	"github.com/platform-team/redis-sentinel/verify"
)

// Axis and legend texts, also what tests look for.
const (
	TimeAxis    = "seconds since the start"
	LatencyAxis = "write latency (ms, log)"
	MasterAxis  = "master"
	LegendOK    = "acknowledged write"
	LegendFail  = "failed write"
)

var markColors = map[string]color.Color{
	verify.MarkFault:       color.RGBA{R: 200, A: 255},
	verify.MarkHeal:        color.RGBA{G: 140, A: 255},
	verify.MarkFirstSwitch: color.RGBA{R: 230, G: 140, A: 255},
	verify.MarkAllAgree:    color.RGBA{B: 200, A: 255},
	verify.MarkHealthy:     color.RGBA{G: 90, B: 90, A: 255},
}

// Write renders tl with the title to path; the extension (.svg or .png)
// picks the format.
func Write(tl verify.Timeline, title, path string) error {
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	if format != "svg" && format != "png" {
		return fmt.Errorf("plot %s: want a .svg or .png file", path)
	}
	writes, masters, err := plots(tl, title)
	if err != nil {
		return err
	}
	width, height := 28*vg.Centimeter, 18*vg.Centimeter
	canvas, err := draw.NewFormattedCanvas(width, height, format)
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	// Aligned panels: both time axes line up, whatever the tick labels' widths.
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2,
		PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 4, PadY: vg.Millimeter * 4}
	panels := [][]*plot.Plot{{writes}, {masters}}
	for i, row := range plot.Align(panels, tiles, draw.New(canvas)) {
		panels[i][0].Draw(row[0])
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	if _, err := canvas.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return f.Close()
}

// plots builds the two panels.
func plots(tl verify.Timeline, title string) (*plot.Plot, *plot.Plot, error) {
	sec := func(at time.Time) float64 { return at.Sub(tl.Start).Seconds() }
	var ok, failed plotter.XYs
	maxLatency := 1.0
	for _, w := range tl.Writes {
		ms := max(float64(w.Latency.Microseconds())/1000, 0.05)
		maxLatency = max(maxLatency, ms)
		if w.OK {
			ok = append(ok, plotter.XY{X: sec(w.At), Y: ms})
		} else {
			failed = append(failed, plotter.XY{X: sec(w.At), Y: ms})
		}
	}
	end := sec(tl.End)

	writes := plot.New()
	writes.Title.Text = title
	writes.X.Label.Text = TimeAxis
	writes.Y.Label.Text = LatencyAxis
	writes.Y.Scale = plot.LogScale{}
	writes.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	writes.Y.Min, writes.Y.Max = 0.05, maxLatency*2
	writes.X.Min, writes.X.Max = 0, end
	writes.Add(plotter.NewGrid())
	if err := addScatter(writes, ok, LegendOK, color.RGBA{B: 160, A: 255}, draw.CircleGlyph{}); err != nil {
		return nil, nil, err
	}
	if err := addScatter(writes, failed, LegendFail, color.RGBA{R: 220, A: 255}, draw.CrossGlyph{}); err != nil {
		return nil, nil, err
	}
	for _, m := range tl.Marks {
		x := sec(m.At)
		line, err := plotter.NewLine(plotter.XYs{{X: x, Y: writes.Y.Min}, {X: x, Y: writes.Y.Max}})
		if err != nil {
			return nil, nil, err
		}
		line.Color = markColors[m.Kind]
		line.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		writes.Add(line)
		text := m.Kind
		if m.Kind == verify.MarkFault {
			text = m.Kind + ": " + m.Label
		}
		label, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: x, Y: writes.Y.Max / 1.5}}, Labels: []string{text}})
		if err != nil {
			return nil, nil, err
		}
		label.TextStyle[0].Rotation = 1.5708
		label.TextStyle[0].Color = markColors[m.Kind]
		writes.Add(label)
	}
	writes.Legend.Top = true

	masters, err := masterPlot(tl, sec, end)
	return writes, masters, err
}

func addScatter(p *plot.Plot, xys plotter.XYs, name string, c color.Color, shape draw.GlyphDrawer) error {
	if len(xys) == 0 {
		return nil
	}
	s, err := plotter.NewScatter(xys)
	if err != nil {
		return err
	}
	s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(1.2), Shape: shape}
	p.Add(s)
	p.Legend.Add(name, s)
	return nil
}

// masterPlot draws one row per node, a dot wherever it claimed master.
func masterPlot(tl verify.Timeline, sec func(time.Time) float64, end float64) (*plot.Plot, error) {
	var nodes []string
	for _, s := range tl.Masters {
		for _, m := range s.Masters {
			if !slices.Contains(nodes, m) {
				nodes = append(nodes, m)
			}
		}
	}
	slices.Sort(nodes)
	p := plot.New()
	p.X.Label.Text = TimeAxis
	p.Y.Label.Text = MasterAxis
	p.X.Min, p.X.Max = 0, end
	p.Y.Min, p.Y.Max = -0.5, float64(len(nodes))-0.5
	var ticks []plot.Tick
	for i, n := range nodes {
		ticks = append(ticks, plot.Tick{Value: float64(i), Label: n})
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	var xys plotter.XYs
	for _, s := range tl.Masters {
		for _, m := range s.Masters {
			xys = append(xys, plotter.XY{X: sec(s.At), Y: float64(slices.Index(nodes, m))})
		}
	}
	if len(xys) > 0 {
		s, err := plotter.NewScatter(xys)
		if err != nil {
			return nil, err
		}
		s.GlyphStyle = draw.GlyphStyle{Color: color.RGBA{G: 120, B: 60, A: 255}, Radius: vg.Points(1.5), Shape: draw.BoxGlyph{}}
		p.Add(s)
	}
	for _, m := range tl.Marks {
		x := sec(m.At)
		line, err := plotter.NewLine(plotter.XYs{{X: x, Y: p.Y.Min}, {X: x, Y: p.Y.Max}})
		if err != nil {
			return nil, err
		}
		line.Color = markColors[m.Kind]
		line.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		p.Add(line)
	}
	return p, nil
}
