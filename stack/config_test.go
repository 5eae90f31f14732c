package stack_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/platform-team/redis-sentinel/components/cluster"
	"github.com/platform-team/redis-sentinel/stack"
)

// pulumiYAMLConfig is the whole `config:` section of Pulumi.yaml, project
// keys and namespaced provider settings alike.
func pulumiYAMLConfig(t *testing.T) map[string]map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var project struct {
		Name   string                    `yaml:"name"`
		Config map[string]map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(raw, &project); err != nil {
		t.Fatalf("parse Pulumi.yaml: %v", err)
	}
	if project.Name != "redis-sentinel" {
		t.Fatalf("Pulumi.yaml name = %q, want redis-sentinel (the config namespace)", project.Name)
	}
	if len(project.Config) == 0 {
		t.Fatal("Pulumi.yaml has no config section")
	}
	return project.Config
}

// projectConfig is the project's own keys of Pulumi.yaml, key by key.
func projectConfig(t *testing.T) map[string]map[string]any {
	t.Helper()
	keys := map[string]map[string]any{}
	for key, entry := range pulumiYAMLConfig(t) {
		if !strings.Contains(key, ":") { // namespaced keys are provider settings
			keys[key] = entry
		}
	}
	return keys
}

// Pulumi.yaml sets, for every stack, the provider settings the program
// refuses to run without.
func TestPulumiYAML_SetsTheProviderSettings(t *testing.T) {
	config := pulumiYAMLConfig(t)
	for key, want := range stack.ProviderSettings {
		entry, ok := config[key]
		if !ok {
			t.Errorf("Pulumi.yaml does not set %s", key)
			continue
		}
		if got := fmt.Sprint(entry["value"]); got != want {
			t.Errorf("Pulumi.yaml sets %s to %s, want %s", key, got, want)
		}
	}
}

// keyConstants parses components/cluster for every Key* constant, so a key
// added there without a Pulumi.yaml entry fails this test.
func keyConstants(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join("..", "components", "cluster", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.CONST {
				continue
			}
			for _, spec := range gen.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if !strings.HasPrefix(name.Name, "Key") || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						t.Fatalf("%s is not a string literal", name.Name)
					}
					keys[name.Name], _ = strconv.Unquote(lit.Value)
				}
			}
		}
	}
	if len(keys) == 0 {
		t.Fatal("found no cluster.Key* constants")
	}
	return keys
}

func TestPulumiYAML_DefaultsMatchGo(t *testing.T) {
	want := map[string]any{
		cluster.KeyPlatform:               string(cluster.PlatformDocker),
		cluster.KeyName:                   "",
		cluster.KeyMode:                   string(cluster.ModeSentinel),
		cluster.KeyMasterName:             cluster.DefaultMasterName,
		cluster.KeyReplicas:               cluster.DefaultReplicas,
		cluster.KeySentinels:              cluster.DefaultSentinels,
		cluster.KeyQuorum:                 0,
		cluster.KeyDownAfter:              cluster.DefaultDownAfterMilliseconds,
		cluster.KeyFailoverTimeout:        cluster.DefaultFailoverTimeoutMilliseconds,
		cluster.KeyParallelSyncs:          cluster.DefaultParallelSyncs,
		cluster.KeyMinReplicasToWrite:     0,
		cluster.KeyMinReplicasMaxLag:      cluster.DefaultMinReplicasMaxLagSeconds,
		cluster.KeyAppendOnly:             true,
		cluster.KeyAppendFsync:            cluster.DefaultAppendFsync,
		cluster.KeyImage:                  cluster.DefaultImage,
		cluster.KeyRedisPort:              cluster.DefaultRedisPort,
		cluster.KeySentinelPort:           cluster.DefaultSentinelPort,
		cluster.KeyDockerSubnet:           cluster.DefaultDockerSubnet,
		cluster.KeyDockerNodePortBase:     cluster.DefaultDockerNodePortBase,
		cluster.KeyDockerSentinelPortBase: cluster.DefaultDockerSentinelPortBase,
		cluster.KeyRolloutSwitchover:      false,
		cluster.KeyMonitor:                true,
		cluster.KeyDockerMonitorPort:      0,
		cluster.KeyMonitorImage:           cluster.DefaultMonitorImage,
		cluster.KeyKubeServiceMonitor:     false,
		cluster.KeyACL:                    false,
		cluster.KeyAppScripting:           false,
		cluster.KeyTLS:                    false,
		cluster.KeyKubeNamespace:          "",
		cluster.KeyKubeCreateNamespace:    true,
		cluster.KeyKubeClusterDomain:      cluster.DefaultKubernetesClusterDomain,
		cluster.KeyKubeStorageClass:       "",
		cluster.KeyKubeDataVolumeSize:     cluster.DefaultKubernetesDataVolumeSize,
		cluster.KeyKubeAntiAffinity:       string(cluster.DefaultKubernetesAntiAffinity),
		cluster.KeyKubeNodeCPU:            cluster.DefaultKubernetesNodeCPU,
		cluster.KeyKubeNodeMemory:         cluster.DefaultKubernetesNodeMemory,
		cluster.KeyKubeSentinelCPU:        cluster.DefaultKubernetesSentinelCPU,
		cluster.KeyKubeSentinelMemory:     cluster.DefaultKubernetesSentinelMemory,
		cluster.KeyPreviousPassword:       "",
		cluster.KeyTLSCACert:              "",
		cluster.KeyTLSCert:                "",
		cluster.KeyTLSKey:                 "",
		cluster.KeyKubeTLSSecret:          "",
	}
	yamlType := map[reflect.Kind]string{reflect.String: "string", reflect.Int: "integer", reflect.Bool: "boolean"}
	config := projectConfig(t)
	for key, entry := range config {
		got, hasDefault := entry["default"]
		wantDefault, expected := want[key]
		switch {
		case !hasDefault && !expected && key == cluster.KeyPassword:
			continue
		case !hasDefault && !expected:
			// Pulumi refuses to run a stack that leaves such a key unset.
			t.Errorf("%s: Pulumi.yaml has no default, which makes it required; give it one (\"\" for an optional string)", key)
		case hasDefault && entry["secret"] == true:
			t.Errorf("%s: Pulumi.yaml marks it secret and gives a default, which Pulumi refuses (\"must be encrypted\"); drop secret: true (cluster.SecretKeys makes the program check it)", key)
		case !hasDefault:
			t.Errorf("%s: Pulumi.yaml has no default, want %#v", key, wantDefault)
		case !expected:
			t.Errorf("%s: Pulumi.yaml default %#v has no Go default in this test; add it", key, got)
		case !reflect.DeepEqual(got, wantDefault):
			t.Errorf("%s: Pulumi.yaml default %#v (%T), Go default %#v (%T)", key, got, got, wantDefault, wantDefault)
		}
		if expected && entry["type"] != yamlType[reflect.TypeOf(wantDefault).Kind()] {
			t.Errorf("%s: Pulumi.yaml type %v, want %s", key, entry["type"], yamlType[reflect.TypeOf(wantDefault).Kind()])
		}
	}
	for key := range want {
		if _, ok := config[key]; !ok {
			t.Errorf("%s: missing from Pulumi.yaml", key)
		}
	}
}

func TestPulumiYAML_DeclaresEveryKey(t *testing.T) {
	config := projectConfig(t)
	consts := keyConstants(t)
	var declared []string
	for name, key := range consts {
		declared = append(declared, key)
		if _, ok := config[key]; !ok {
			t.Errorf("cluster.%s = %q is not declared in Pulumi.yaml", name, key)
		}
	}
	for key := range config {
		if !slices.Contains(declared, key) {
			t.Errorf("Pulumi.yaml declares %q, which no cluster.Key* constant names", key)
		}
	}
	if secret, _ := config[cluster.KeyPassword]["secret"].(bool); !secret {
		t.Errorf("%s is not declared secret in Pulumi.yaml", cluster.KeyPassword)
	}
	if _, ok := config[cluster.KeyPassword]["default"]; ok {
		t.Errorf("%s has a default in Pulumi.yaml; it must be required", cluster.KeyPassword)
	}
}
