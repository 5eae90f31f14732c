// Command pulumi-tfgen-docker writes the plugin's schema.json (version stamped)
// and bridge-metadata.json: `pulumi-tfgen-docker schema --skip-examples --out DIR`.
// UPSTREAM_DOCS names the upstream module's directory, whose docs/ give the
// schema its descriptions (scripts/docker-plugin.sh sets it with go list -m).
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"
	"github.com/spf13/afero"

	"github.com/terraform-providers/terraform-provider-docker/pulumi-resource-docker/bridge"
)

func main() {
	prov := bridge.Provider(nil, os.Getenv("UPSTREAM_DOCS"))
	if err := prov.P.InternalValidate(); err != nil {
		fmt.Fprintf(os.Stderr, "upstream provider fails its own validation: %v\n", err)
		os.Exit(1)
	}
	tfgen.MainWithCustomGenerate(bridge.PackageName, bridge.PluginVersion, prov, func(opts tfgen.GeneratorOptions) error {
		g, err := tfgen.NewGenerator(opts)
		if err != nil {
			return err
		}
		if _, err := g.Generate(); err != nil {
			return err
		}
		if opts.Language != tfgen.Schema {
			return nil
		}
		return stampVersion(opts.Root, "schema.json", bridge.PluginVersion)
	})
}

// stampVersion sets the schema's version, which tfgen leaves out so the file
// stays stable; the engine and `pulumi package get-schema` report it.
func stampVersion(out afero.Fs, path, version string) error {
	raw, err := afero.ReadFile(out, path)
	if err != nil {
		return fmt.Errorf("read generated schema: %w", err)
	}
	var spec map[string]json.RawMessage
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("parse generated schema %s: %w", path, err)
	}
	spec["version"], _ = json.Marshal(version)
	stamped, err := json.Marshal(spec)
	if err != nil {
		return fmt.Errorf("marshal schema: %w", err)
	}
	return afero.WriteFile(out, path, stamped, 0o644)
}
