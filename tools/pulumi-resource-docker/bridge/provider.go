// Package bridge describes the upstream Terraform docker provider to Pulumi's
// Terraform bridge with pulumi-docker 4.9.0's names, so the plugin built from it
// serves the types and fields the pulumi-docker Go SDK v4.9.0 sends.
package bridge

import (
	"strings"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	bridgetokens "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"

	"github.com/terraform-providers/terraform-provider-docker/pulumi-resource-docker/upstream"
)

const (
	// PackageName is the Pulumi package the SDK's resource tokens name.
	PackageName = "docker"
	// PluginVersion is the pulumi-docker SDK version the project pins; the
	// engine asks for a plugin of exactly this version.
	PluginVersion = "4.9.0"
	// module is the one module every token lives in (docker:index/...).
	module = "index"
)

// Provider is the bridge's description of the plugin. metadata is the
// bridge-metadata.json the schema generator wrote (nil while generating).
// upstreamDocs is the upstream module's directory, where the generator reads
// resource descriptions ("" at run time).
func Provider(metadata []byte, upstreamDocs string) tfbridge.ProviderInfo {
	prov := tfbridge.ProviderInfo{
		P:                shimv2.NewProvider(upstream.Provider()),
		Name:             PackageName,
		Version:          PluginVersion,
		Description:      "Docker through Pulumi's Terraform bridge over kreuzwerker's Terraform docker provider, with pulumi-docker 4.9.0's names",
		Keywords:         []string{"pulumi", "docker"},
		License:          "Apache-2.0",
		GitHubOrg:        "kreuzwerker",
		UpstreamRepoPath: upstreamDocs,
		Config: map[string]*tfbridge.SchemaInfo{
			"host": {Default: &tfbridge.DefaultInfo{EnvVars: []string{"DOCKER_HOST"}}},
			// A list in 4.9.0's schema, and singular.
			"registry_auth": {Name: "registryAuth", MaxItemsOne: tfbridge.False()},
		},
		Resources: map[string]*tfbridge.ResourceInfo{
			"docker_container": {
				Tok: token("Container"),
				// A replacement with the same name and published ports cannot be
				// created while the old container exists.
				DeleteBeforeReplace: true,
				Fields: map[string]*tfbridge.SchemaInfo{
					// Lists that 4.9.0 keeps singular.
					"command":           {Name: "command"},
					"networks_advanced": {Name: "networksAdvanced"},
				},
			},
			"docker_image": {
				Tok:    token("RemoteImage"),
				Fields: map[string]*tfbridge.SchemaInfo{"name": {Name: "name"}},
			},
			"docker_config":         {Tok: token("ServiceConfig")},
			"docker_network":        {Tok: token("Network")},
			"docker_secret":         {Tok: token("Secret")},
			"docker_service":        {Tok: token("Service")},
			"docker_volume":         {Tok: token("Volume")},
			"docker_registry_image": {Tok: token("RegistryImage")},
			"docker_plugin":         {Tok: token("Plugin")},
			"docker_tag":            {Tok: token("Tag")},
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"docker_network":        {Tok: function("getNetwork")},
			"docker_registry_image": {Tok: function("getRegistryImage")},
			"docker_plugin":         {Tok: function("getPlugin")},
			"docker_image":          {Tok: function("getRemoteImage")},
			"docker_logs":           {Tok: function("getLogs")},
		},
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
	}
	// Anything upstream added since 4.9.0 gets the bridge's standard token.
	prov.MustComputeTokens(bridgetokens.SingleModule("docker_", module, bridgetokens.MakeStandard(PackageName)))
	prov.MustApplyAutoAliases()
	prov.SetAutonaming(255, "-")
	return prov
}

// token is a resource's type token: docker:index/container:Container.
func token(name string) tokens.Type {
	return tokens.Type(PackageName + ":" + module + "/" + strings.ToLower(name[:1]) + name[1:] + ":" + name)
}

// function is a data source's token: docker:index/getNetwork:getNetwork.
func function(name string) tokens.ModuleMember {
	return tokens.ModuleMember(PackageName + ":" + module + "/" + name + ":" + name)
}
