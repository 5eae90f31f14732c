package clients_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/platform-team/redis-sentinel/internal/testenv"
)

// snippetMarker precedes each README code block that shows a client's code:
// <!-- snippet: test/clients/goredis/main.go connect -->.
var snippetMarker = regexp.MustCompile("<!-- snippet: (\\S+) (\\S+) -->\\s*\n```[a-z]*\n((?s:.*?))```")

// TestREADME_ClientSnippetsAreTheSuitesCode keeps "Pointing an app at it"
// honest: every client snippet in the README is, line for line, the region
// of the suite's program it names (between "snippet:begin NAME" and
// "snippet:end"), the code the suite runs on every profile.
func TestREADME_ClientSnippetsAreTheSuitesCode(t *testing.T) {
	root := testenv.RepoRoot()
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	found := snippetMarker.FindAllSubmatch(readme, -1)
	if len(found) < 4 {
		t.Fatalf("README has %d client snippets, want one per client (4)", len(found))
	}
	for _, m := range found {
		file, name, shown := string(m[1]), string(m[2]), string(m[3])
		source, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			t.Errorf("snippet %s %s: %v", file, name, err)
			continue
		}
		region, ok := snippetRegion(string(source), name)
		if !ok {
			t.Errorf("%s has no region %q (snippet:begin %s ... snippet:end)", file, name, name)
			continue
		}
		if shown != region {
			t.Errorf("README's snippet of %s %s differs from the code; README:\n%s\ncode:\n%s", file, name, shown, region)
		}
	}
}

// snippetRegion is the text between the begin and end markers of name, its
// common indentation removed.
func snippetRegion(source, name string) (string, bool) {
	var lines []string
	inside := false
	for _, line := range strings.Split(source, "\n") {
		marker := strings.TrimLeft(strings.TrimSpace(line), "/# ")
		switch {
		case marker == "snippet:begin "+name:
			inside = true
		case inside && marker == "snippet:end":
			return dedent(lines), true
		case inside:
			lines = append(lines, line)
		}
	}
	return "", false
}

func dedent(lines []string) string {
	indent := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if n := len(l) - len(strings.TrimLeft(l, " \t")); indent < 0 || n < indent {
			indent = n
		}
	}
	var b strings.Builder
	for _, l := range lines {
		if len(l) >= indent && indent > 0 {
			l = l[indent:]
		}
		b.WriteString(strings.TrimRight(l, " \t") + "\n")
	}
	return b.String()
}
