package stack

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platform-team/redis-sentinel/components/cluster"
)

// KeyKubeSecretMutable is the kubernetes provider's setting that updates a
// Secret in place when its data changes. Without it the provider replaces
// the Secret, and a Secret with a fixed name is deleted first, with every
// StatefulSet that mounts it: a password rotation would delete every pod at
// once instead of rolling none.
const KeyKubeSecretMutable = "kubernetes:enableSecretMutable"

// secretMutableEnv is what the provider reads when the setting is not in the
// stack's config.
const secretMutableEnv = "PULUMI_K8S_ENABLE_SECRET_MUTABLE"

// ProviderSettings are the provider config values the program depends on:
// Pulumi.yaml sets them for every stack (a unit test keeps it in step), and
// automation sets them for a project defined in code.
var ProviderSettings = map[string]string{KeyKubeSecretMutable: "true"}

// requireProviderSettings refuses a Kubernetes stack whose provider would
// replace the credentials Secret, before anything is created.
func requireProviderSettings(ctx *pulumi.Context, spec cluster.Spec) error {
	if spec.Platform != cluster.PlatformKubernetes {
		return nil
	}
	value, set := ctx.GetConfig(KeyKubeSecretMutable)
	if !set {
		value = os.Getenv(secretMutableEnv)
	}
	if value != ProviderSettings[KeyKubeSecretMutable] {
		return fmt.Errorf("%s is %q, want true: the credentials Secret %s must be updated in place "+
			"(otherwise a password change deletes it and every StatefulSet mounting it, every pod at once); "+
			"Pulumi.yaml sets it, remove the stack's override (pulumi config rm %s)",
			KeyKubeSecretMutable, value, spec.CredentialsSecretName(), KeyKubeSecretMutable)
	}
	return nil
}
