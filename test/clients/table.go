package clients

import (
	"fmt"
	"strings"
	"time"

	"github.com/platform-team/redis-sentinel/verify"
)

// Row is one client on one profile: what it saw through each fault.
type Row struct {
	Client  string
	Library string
	Profile string
	// Phases by name ("switchover", "kill").
	Phases map[string]Phase
}

// Phase is a client's writer result next to the verifier's own writer.
type Phase struct {
	Gap, VerifierGap time.Duration
	Acked, Lost      int
}

// Record stores a phase's result.
func (r *Row) Record(phase string, e Event, drill verify.DrillResult) {
	if r.Phases == nil {
		r.Phases = map[string]Phase{}
	}
	r.Phases[phase] = Phase{Gap: e.LongestGap(), VerifierGap: drill.WriteGap, Acked: e.Acked, Lost: e.Lost}
}

// Table is the suite's results.
type Table []Row

// Markdown renders the table: client × profile with the longest write gap
// and acknowledged writes lost through each fault.
func (t Table) Markdown() string {
	var b strings.Builder
	b.WriteString("| client | profile | switchover: gap, lost (acked) | `docker kill` of the master: gap, lost (acked) |\n|---|---|---|---|\n")
	cell := func(p Phase, ok bool) string {
		if !ok {
			return "—"
		}
		return fmt.Sprintf("%.2f s, %d (%d)", p.Gap.Seconds(), p.Lost, p.Acked)
	}
	for _, r := range t {
		sw, swOK := r.Phases["switchover"]
		kill, killOK := r.Phases["kill"]
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.Library, r.Profile, cell(sw, swOK), cell(kill, killOK))
	}
	return b.String()
}
