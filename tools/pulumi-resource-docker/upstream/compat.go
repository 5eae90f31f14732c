package upstream

import "github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"

// restoreRemovedInputs puts back inputs that pulumi-docker 4.9.0's SDK can
// still send but the newer upstream dropped, so a program setting them is not
// rejected. Each is accepted and ignored, as the Docker engine itself does.
func restoreRemovedInputs(p *schema.Provider) {
	// Docker API 1.44 removed CheckDuplicate (the engine always checks now);
	// upstream dropped the field with it.
	p.ResourcesMap["docker_network"].Schema["check_duplicate"] = &schema.Schema{
		Type:        schema.TypeBool,
		Optional:    true,
		ForceNew:    true,
		Description: "Requested network name must be unique. Ignored: the Docker engine always checks since API 1.44.",
		Deprecated:  "ignored since Docker API 1.44, which always checks for duplicate network names",
	}
}
