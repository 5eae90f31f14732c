package clients

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/platform-team/redis-sentinel/verify"
)

// TablePathEnv, when set, names a file the suite writes its results table
// to (markdown, for the README).
const TablePathEnv = "REDIS_SENTINEL_CLIENTS_TABLE"

// Row is one client on one profile: what it saw through each fault.
type Row struct {
	Client  string
	Library string
	Profile string
	// Phases in the order they ran.
	Phases []Phase
}

// Phase is a client's writer result through one fault, next to the
// verifier's own writer.
type Phase struct {
	Fault            string
	Gap, VerifierGap time.Duration
	Acked, Lost      int
}

// Record appends a fault's result.
func (r *Row) Record(fault string, e Event, drill verify.DrillResult) {
	r.Phases = append(r.Phases, Phase{Fault: fault, Gap: e.LongestGap(), VerifierGap: drill.WriteGap, Acked: e.Acked, Lost: e.Lost})
}

// Table is the suite's results.
type Table []Row

// faultTitles name the faults in the table's header.
var faultTitles = map[string]string{
	"switchover": "switchover",
	"kill":       "`docker kill` of the master",
	"pod-delete": "master pod deleted",
}

// Markdown renders the table: client × profile with the longest write gap
// and acknowledged writes lost (of those acknowledged) through each fault.
func (t Table) Markdown() string {
	var faults []string
	for _, r := range t {
		for _, p := range r.Phases {
			if !slices.Contains(faults, p.Fault) {
				faults = append(faults, p.Fault)
			}
		}
	}
	var b strings.Builder
	b.WriteString("| client | profile |")
	for _, f := range faults {
		title := faultTitles[f]
		if title == "" {
			title = f
		}
		fmt.Fprintf(&b, " %s: gap, lost (acked) |", title)
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(faults)) + "\n")
	for _, r := range t {
		fmt.Fprintf(&b, "| %s | %s |", r.Library, r.Profile)
		for _, f := range faults {
			i := slices.IndexFunc(r.Phases, func(p Phase) bool { return p.Fault == f })
			if i < 0 {
				b.WriteString(" — |")
				continue
			}
			p := r.Phases[i]
			fmt.Fprintf(&b, " %.2f s, %d (%d) |", p.Gap.Seconds(), p.Lost, p.Acked)
		}
		b.WriteString("\n")
	}
	return b.String()
}
