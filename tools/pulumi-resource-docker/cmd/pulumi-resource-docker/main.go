// Command pulumi-resource-docker is the Pulumi resource plugin for Docker: the
// bridge serving bridge.Provider with the schema and bridge metadata the
// generator wrote next to this file (build outputs, git-ignored).
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"

	"github.com/terraform-providers/terraform-provider-docker/pulumi-resource-docker/bridge"
)

var (
	//go:embed schema.json
	schema []byte
	//go:embed bridge-metadata.json
	metadata []byte
)

func main() {
	tfbridge.Main(bridge.PackageName, bridge.PluginVersion, bridge.Provider(metadata, ""), schema)
}
