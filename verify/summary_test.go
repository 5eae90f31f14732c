package verify

import (
	"testing"
	"time"
)

func TestSpread_OddEvenAndEmpty(t *testing.T) {
	tests := []struct {
		name   string
		values []float64
		want   Spread
	}{
		{"odd", []float64{5, 1, 3}, Spread{1, 3, 5}},
		{"even", []float64{4, 1, 3, 2}, Spread{1, 2.5, 4}},
		{"one", []float64{7}, Spread{7, 7, 7}},
		{"empty", nil, Spread{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SpreadOf(tt.values); got != tt.want {
				t.Fatalf("SpreadOf(%v) = %+v, want %+v", tt.values, got, tt.want)
			}
		})
	}
}

func TestSummarize_MillisecondsAndCounts(t *testing.T) {
	runs := []DrillResult{
		{WriteGap: 1200 * time.Millisecond, WritesLost: 0, AllAgree: time.Second},
		{WriteGap: 1100 * time.Millisecond, WritesLost: 2, AllAgree: 3 * time.Second},
		{WriteGap: 1500 * time.Millisecond, WritesLost: 1, AllAgree: 2 * time.Second},
	}
	s := Summarize(runs)
	if s.Runs != 3 || s.WriteGapMs != (Spread{1100, 1200, 1500}) || s.WritesLost != (Spread{0, 1, 2}) || s.AllAgreeMs.Median != 2000 {
		t.Fatalf("summary %+v", s)
	}
}
