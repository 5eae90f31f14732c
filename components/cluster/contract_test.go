package cluster_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

func env(name, value string) cluster.EnvVar { return cluster.EnvVar{Name: name, Value: value} }

func TestAppEnv_ByMode(t *testing.T) {
	standalone := cluster.SetDefaults(cluster.Spec{Mode: cluster.ModeStandalone, Password: testPassword}, "test")
	tests := []struct {
		name string
		spec cluster.Spec
		want []cluster.EnvVar
	}{
		{
			name: "sentinel",
			spec: validSpec(),
			want: []cluster.EnvVar{
				env("REDIS_SENTINEL_ENABLED", "true"),
				env("REDIS_SENTINEL_MASTER_NAME", "mymaster"),
				env("REDIS_SENTINELS", "172.28.0.1:36379,172.28.0.1:36380,172.28.0.1:36381"),
				env("REDIS_PASSWORD", testPassword),
			},
		},
		{
			name: "standalone",
			spec: standalone,
			want: []cluster.EnvVar{
				env("REDIS_SENTINEL_ENABLED", "false"),
				env("REDIS_HOST", "172.28.0.1:16379"),
				env("REDIS_PASSWORD", testPassword),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := cluster.DockerLayout(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := cluster.AppEnv(tt.spec, l, ""); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("AppEnv() =\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

func TestDotEnv_Quoting(t *testing.T) {
	tests := []struct {
		name string
		vars []cluster.EnvVar
		want string
	}{
		{"plain values unquoted", []cluster.EnvVar{
			env("REDIS_SENTINEL_ENABLED", "true"),
			env("REDIS_SENTINELS", "172.28.0.1:36379,172.28.0.1:36380"),
		}, "REDIS_SENTINEL_ENABLED=true\nREDIS_SENTINELS=172.28.0.1:36379,172.28.0.1:36380\n"},
		{"empty value quoted", []cluster.EnvVar{env("REDIS_PASSWORD", "")}, "REDIS_PASSWORD=''\n"},
		{"spaces quoted", []cluster.EnvVar{env("REDIS_PASSWORD", "a b")}, "REDIS_PASSWORD='a b'\n"},
		{"dollar not expanded", []cluster.EnvVar{env("REDIS_PASSWORD", "$HOME")}, "REDIS_PASSWORD='$HOME'\n"},
		{"single quote escaped", []cluster.EnvVar{env("REDIS_PASSWORD", "it's")}, `REDIS_PASSWORD='it'\''s'` + "\n"},
		{"no vars", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cluster.DotEnv(tt.vars); got != tt.want {
				t.Errorf("DotEnv() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDotEnv_RoundTripsThroughShell sources the rendered file the way the
// README tells users to (set -a; . ./.env) and reads the password back.
func TestDotEnv_RoundTripsThroughShell(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skipf("no sh on PATH: %v", err)
	}
	passwords := []string{
		"a-strong-password-123",
		"it's a pass word with spaces",
		`''quotes'' "double" \back\slash`,
		"$HOME `id` $(id) ; & | < > * ? ~ # !",
		"tab\tand trailing space ",
	}
	for _, pw := range passwords {
		t.Run(pw, func(t *testing.T) {
			vars := []cluster.EnvVar{
				env(cluster.EnvSentinels, "172.28.0.1:36379,172.28.0.1:36380"),
				env(cluster.EnvPassword, pw),
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(cluster.DotEnv(vars)), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(sh, "-c", `set -a; . ./.env; printf %s "$REDIS_PASSWORD"; printf '\n%s' "$REDIS_SENTINELS"`)
			cmd.Dir = dir
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=/nonexistent"}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("sh: %v\n%s", err, out)
			}
			want := pw + "\n172.28.0.1:36379,172.28.0.1:36380"
			if string(out) != want {
				t.Errorf("sourced values = %q, want %q", out, want)
			}
		})
	}
}
