package faultmatrix

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/platform-team/redis-sentinel/verify"
)

// Row is one case's outcome.
type Row struct {
	Case   string             `json:"case"`
	Result verify.DrillResult `json:"result"`
	Note   string             `json:"note,omitempty"`
	Err    string             `json:"error,omitempty"`
}

// Passed reports whether every case passed.
func Passed(rows []Row) bool {
	for _, r := range rows {
		if r.Err != "" {
			return false
		}
	}
	return len(rows) > 0
}

// Run runs the cases in order against the checker's cluster; a failed case is
// recorded and the next still runs once the cluster is healthy again.
func Run(ctx context.Context, checker *verify.Checker, cases []Case, o verify.DrillOptions) []Row {
	var rows []Row
	for _, c := range cases {
		row := Row{Case: c.Name}
		res, err := checker.RunFault(ctx, c.Fault(&row.Note), o)
		row.Result = res
		if err != nil {
			row.Err = err.Error()
		}
		rows = append(rows, row)
	}
	return rows
}

// PrintTable writes the report table.
func PrintTable(w io.Writer, rows []Row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CASE\tRESULT\tFAILOVER\tWRITE GAP\tACKED\tLOST\tPRELOAD LOST\tMASTERS SEEN\tMASTER AFTER\tNOTE")
	for _, r := range rows {
		verdict, failover := "pass", "none"
		if r.Err != "" {
			verdict = "FAIL"
		}
		if res := r.Result; res.NewMaster != "" && res.NewMaster != res.OldMaster {
			failover = ms(res.AllAgree)
		}
		note := r.Note
		if r.Err != "" {
			note = r.Err
		}
		res := r.Result
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%d\t%s\t%s\n", r.Case, verdict, failover, ms(res.WriteGap),
			res.WritesAcked, res.WritesLost, res.PreloadLost(), res.MastersSeen, res.Health.Master, note)
	}
	return tw.Flush()
}

func ms(d time.Duration) string { return d.Round(time.Millisecond).String() }
