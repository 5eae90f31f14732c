package dockercluster_test

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)

const (
	typeContainer = "docker:index/container:Container"
	typeNetwork   = "docker:index/network:Network"
	typeVolume    = "docker:index/volume:Volume"
)

// registered is one resource as the engine would have seen it.
type registered struct {
	typ    string
	name   string
	inputs resource.PropertyMap
	// deps are the names of the resources it depends on (DependsOn and inputs).
	deps []string
}

// mocks records every registered resource, echoes inputs back as state and
// reports exitCodes[name] (default 0) as a container's exit code.
type mocks struct {
	exitCodes map[string]int

	mu        sync.Mutex
	resources []registered
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	r := registered{typ: args.TypeToken, name: args.Name, inputs: args.Inputs}
	if args.RegisterRPC != nil {
		for _, urn := range args.RegisterRPC.GetDependencies() {
			r.deps = append(r.deps, resource.URN(urn).Name())
		}
		slices.Sort(r.deps)
	}
	m.mu.Lock()
	m.resources = append(m.resources, r)
	m.mu.Unlock()
	state := args.Inputs.Copy()
	if args.TypeToken == typeContainer {
		state["exitCode"] = resource.NewProperty(float64(m.exitCodes[args.Name]))
	}
	return args.Name + "-id", state, nil
}

func (m *mocks) Call(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

// ofType returns the resources with the type token, sorted by name.
func (m *mocks) ofType(typ string) []registered {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []registered
	for _, r := range m.resources {
		if r.typ == typ {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b registered) int { return strings.Compare(a.name, b.name) })
	return out
}

func (m *mocks) byName(t *testing.T, name string) registered {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.resources {
		if r.name == name {
			return r
		}
	}
	t.Fatalf("no resource named %s", name)
	return registered{}
}

func names(rs []registered) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.name
	}
	return out
}

// unsecret strips secret and output wrappers, reporting whether any was secret.
func unsecret(v resource.PropertyValue) (resource.PropertyValue, bool) {
	switch {
	case v.IsSecret():
		inner, _ := unsecret(v.SecretValue().Element)
		return inner, true
	case v.IsOutput():
		inner, secret := unsecret(v.OutputValue().Element)
		return inner, secret || v.OutputValue().Secret
	}
	return v, false
}

// strs collects every string inside a property value, secret or not.
func strs(v resource.PropertyValue) []string {
	v, _ = unsecret(v)
	switch {
	case v.IsString():
		return []string{v.StringValue()}
	case v.IsArray():
		var out []string
		for _, e := range v.ArrayValue() {
			out = append(out, strs(e)...)
		}
		return out
	case v.IsObject():
		var out []string
		for _, e := range v.ObjectValue() {
			out = append(out, strs(e)...)
		}
		return out
	}
	return nil
}

// field reads obj[key] of an object property value.
func field(v resource.PropertyValue, key string) resource.PropertyValue {
	v, _ = unsecret(v)
	if !v.IsObject() {
		return resource.PropertyValue{}
	}
	return v.ObjectValue()[resource.PropertyKey(key)]
}

// await resolves an output inside the program, returning its value and secretness.
func await(t *testing.T, ctx *pulumi.Context, o pulumi.Output) (any, bool) {
	t.Helper()
	r, err := internals.UnsafeAwaitOutput(ctx.Context(), o)
	if err != nil {
		t.Errorf("await output: %v", err)
	}
	return r.Value, r.Secret
}
