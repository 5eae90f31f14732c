// Package pulumimock runs a Pulumi program under the SDK's mocks and records
// every resource it registers, with plain inputs, for unit tests of components
// and for rendering Kubernetes manifests without a provider.
package pulumimock

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Resource is one registered resource.
type Resource struct {
	Type   string
	Name   string
	Parent string // the parent's URN, "" for none
	// Inputs as plain JSON-like values, secrets unwrapped.
	Inputs map[string]any
	// Secret lists the top-level input keys that were secret.
	Secret []string
	// DependsOn are the URNs of the resources it was ordered after.
	DependsOn []string
}

// Recorder is a pulumi.MockResourceMonitor that echoes inputs back as state.
type Recorder struct {
	mu        sync.Mutex
	resources []Resource
	// State, when set, adds outputs a resource type would compute (by type token).
	State map[string]resource.PropertyMap
}

func (r *Recorder) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	res := Resource{Type: args.TypeToken, Name: args.Name, Inputs: Plain(args.Inputs)}
	if args.RegisterRPC != nil {
		res.Parent = args.RegisterRPC.GetParent()
		res.DependsOn = args.RegisterRPC.GetDependencies()
	}
	for k, v := range args.Inputs {
		if v.ContainsSecrets() {
			res.Secret = append(res.Secret, string(k))
		}
	}
	slices.Sort(res.Secret)
	r.mu.Lock()
	r.resources = append(r.resources, res)
	r.mu.Unlock()
	state := args.Inputs.Copy()
	for k, v := range r.State[args.TypeToken] {
		state[k] = v
	}
	autoname(args, state)
	return args.Name + "-id", state, nil
}

// autoname gives a Kubernetes object without metadata.name the name Pulumi
// would: the logical name plus a suffix. The suffix is a digest of the inputs,
// so, as with a real replacement, new content means a new name.
func autoname(args pulumi.MockResourceArgs, state resource.PropertyMap) {
	meta, ok := state["metadata"]
	if !strings.HasPrefix(args.TypeToken, "kubernetes:") || !ok || !meta.IsObject() {
		return
	}
	if _, named := meta.ObjectValue()["name"]; named {
		return
	}
	raw, _ := json.Marshal(Plain(args.Inputs))
	sum := sha256.Sum256(raw)
	named := meta.ObjectValue().Copy()
	named["name"] = resource.NewProperty(fmt.Sprintf("%s-%x", args.Name, sum[:4]))
	state["metadata"] = resource.NewProperty(named)
}

func (r *Recorder) Call(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

// Resources returns what was registered, in registration order.
func (r *Recorder) Resources() []Resource {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.resources)
}

// Find returns the resource of the given type and name, or nil.
func (r *Recorder) Find(typ, name string) *Resource {
	for _, res := range r.Resources() {
		if res.Type == typ && res.Name == name {
			return &res
		}
	}
	return nil
}

// Plain turns a property map into JSON-like values with secrets unwrapped.
func Plain(m resource.PropertyMap) map[string]any {
	var unwrap func(v resource.PropertyValue) (any, bool)
	unwrap = func(v resource.PropertyValue) (any, bool) {
		switch {
		case v.IsSecret():
			return v.SecretValue().Element.MapRepl(nil, unwrap), true
		case v.IsOutput():
			return v.OutputValue().Element.MapRepl(nil, unwrap), true
		}
		return nil, false
	}
	return m.MapRepl(nil, unwrap)
}

// Config is the stack config the engine would pass: project-namespaced keys,
// some of them secret.
func Config(project string, values map[string]string, secretKeys ...string) pulumi.RunOption {
	return func(info *pulumi.RunInfo) {
		info.Config = map[string]string{}
		for k, v := range values {
			info.Config[project+":"+k] = v
		}
		for _, k := range secretKeys {
			info.ConfigSecretKeys = append(info.ConfigSecretKeys, project+":"+k)
		}
	}
}

// ProviderConfig adds provider config values (namespaced keys such as
// kubernetes:enableSecretMutable, as Pulumi.yaml sets them); it goes after Config.
func ProviderConfig(values map[string]string) pulumi.RunOption {
	return func(info *pulumi.RunInfo) {
		if info.Config == nil {
			info.Config = map[string]string{}
		}
		maps.Copy(info.Config, values)
	}
}

// Run runs body under mocks for the given project and stack.
func Run(project, stack string, body pulumi.RunFunc, opts ...pulumi.RunOption) (*Recorder, error) {
	r := &Recorder{}
	err := pulumi.RunErr(body, append([]pulumi.RunOption{pulumi.WithMocks(project, stack, r)}, opts...)...)
	return r, err
}
