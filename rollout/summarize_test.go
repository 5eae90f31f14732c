package rollout

import (
	"errors"
	"testing"
)

func TestSummarize_KeepsTheFirstLineAndTheFirstDiagnostic(t *testing.T) {
	tests := []struct{ name, err, want string }{
		{"cli error on stderr",
			"failed to run update: exit status 1\ncode: 1\nstdout: \nstderr: error: validating stack config: Stack 's' is missing configuration value 'x'\n",
			"failed to run update: exit status 1: validating stack config: Stack 's' is missing configuration value 'x'"},
		{"resource diagnostic",
			"failed to run update: exit status 1\ncode: 255\nstdout: Updating\n  error: 1 error occurred:\n  \t* container exited: 1\nstderr: error: update failed\n",
			"failed to run update: exit status 1: container exited: 1"},
		{"nothing to add", "context deadline exceeded", "context deadline exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := summarize(errors.New(tt.err)); got != tt.want {
				t.Fatalf("summarize() = %q, want %q", got, tt.want)
			}
		})
	}
}
