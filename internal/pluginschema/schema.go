// Package pluginschema reads a Pulumi resource plugin's schema and checks it
// against the Go SDK types a program sends, so a plugin built here (see
// tools/pulumi-resource-docker) and the pinned SDK cannot drift apart unseen.
package pluginschema

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
)

// Package is the part of a Pulumi package schema the comparison reads.
type Package struct {
	Name      string                `json:"name"`
	Version   string                `json:"version"`
	Resources map[string]Resource   `json:"resources"`
	Types     map[string]ObjectType `json:"types"`
}

// Resource is one resource's inputs and outputs.
type Resource struct {
	InputProperties map[string]Property `json:"inputProperties"`
	RequiredInputs  []string            `json:"requiredInputs"`
	Properties      map[string]Property `json:"properties"`
}

// ObjectType is a named object (or enum) type under "types".
type ObjectType struct {
	Type       string              `json:"type"`
	Properties map[string]Property `json:"properties"`
	Required   []string            `json:"required"`
	Enum       []json.RawMessage   `json:"enum"`
}

// Property is a property's type: a primitive, an array, a map, or a $ref.
type Property struct {
	Type                 string    `json:"type"`
	Ref                  string    `json:"$ref"`
	Items                *Property `json:"items"`
	AdditionalProperties *Property `json:"additionalProperties"`
}

// Parse decodes a schema as `pulumi package get-schema` prints it.
func Parse(raw []byte) (*Package, error) {
	var pkg Package
	if err := json.Unmarshal(raw, &pkg); err != nil {
		return nil, fmt.Errorf("parse package schema: %w", err)
	}
	if pkg.Name == "" || len(pkg.Resources) == 0 {
		return nil, fmt.Errorf("parse package schema: no name or no resources (%d bytes)", len(raw))
	}
	return &pkg, nil
}

// FromPlugin asks the installed plugin for its schema through the Pulumi CLI
// (`pulumi package get-schema NAME@VERSION`), the way the engine would load it.
func FromPlugin(ctx context.Context, name, version string) (*Package, error) {
	source := name + "@" + version
	cmd := exec.CommandContext(ctx, "pulumi", "package", "get-schema", source)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("pulumi package get-schema %s: %w: %s", source, err, strings.TrimSpace(stderr.String()))
	}
	pkg, err := Parse(out)
	if err != nil {
		return nil, fmt.Errorf("schema of %s: %w", source, err)
	}
	return pkg, nil
}

// typeToken is the token a local reference names ("#/types/TOKEN"), or "".
func typeToken(ref string) string {
	token, ok := strings.CutPrefix(ref, "#/types/")
	if !ok {
		return ""
	}
	return token
}
