// Package upstream exposes kreuzwerker's Terraform docker provider, whose
// constructor lives in an internal package. Go's internal rule goes by import
// path, so this package's path sits under the upstream module's path on purpose
// (pulumi-docker's own shim does the same).
package upstream

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"

	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// Provider returns the upstream provider's SDKv2 half, which holds every
// resource and data source pulumi-docker 4.9.0 maps. The plugin-framework half
// (docker_compose, the newer data sources) is not bridged.
func Provider() *schema.Provider {
	p := provider.New(Version)()
	restoreRemovedInputs(p)
	return p
}

// Version is what the upstream provider is told it is (it only shows in its
// user agent).
const Version = "pulumi-bridge"
