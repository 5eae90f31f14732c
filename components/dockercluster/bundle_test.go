package dockercluster

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBundle_RecreatesEveryFileThenRunsTheEntry runs a bundle with the real
// /bin/sh (dash, as in the image) and compares every file byte for byte.
func TestBundle_RecreatesEveryFileThenRunsTheEntry(t *testing.T) {
	files := []upload{
		{path: "/run/redis-sentinel/password", content: `p4ss "w0rd" $(echo no) ` + "`no` ) ( ' \\ end"}, // no trailing newline
		{path: "/run/redis-sentinel/redis.conf", content: "port 6379\nrequirepass \"x\"\n\n"},
		{path: "/run/redis-sentinel/tls/ca.crt", content: "-----BEGIN CERTIFICATE-----\nEOF\nREDIS_SENTINEL_EOF_\n-----END CERTIFICATE-----\n"},
		{path: "/run/redis-sentinel/empty", content: ""},
	}
	entry := upload{path: "/run/redis-sentinel/start.sh", content: "#!/bin/sh\nset -u\necho \"entry ran, password $(cat \"$" + filesRootEnv + "/run/redis-sentinel/password\")\"\n"}
	b := bundle(entry, files)
	if b.path != entry.path {
		t.Fatalf("bundle path %s, want the entry's %s", b.path, entry.path)
	}
	root := t.TempDir()
	script := filepath.Join(root, "bundle.sh")
	if err := os.WriteFile(script, []byte(b.content), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sh", script)
	cmd.Env = append(os.Environ(), filesRootEnv+"="+root)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bundle failed: %v\n%s", err, out)
	}
	if want := "entry ran, password " + files[0].content + "\n"; string(out) != want {
		t.Errorf("entry printed %q, want %q", out, want)
	}
	for _, f := range files {
		got, err := os.ReadFile(filepath.Join(root, f.path))
		if err != nil {
			t.Errorf("%s: %v", f.path, err)
			continue
		}
		if string(got) != f.content {
			t.Errorf("%s = %q, want %q", f.path, got, f.content)
		}
		if info, _ := os.Stat(filepath.Join(root, f.path)); info.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", f.path, info.Mode().Perm())
		}
	}
	if strings.Count(b.content, "#!/bin/sh") != 2 {
		t.Errorf("want the preamble's and the entry's shebang once each:\n%s", b.content)
	}
}
