// Command redis-sentinel is the Pulumi program of this project: `pulumi up`
// runs it. Everything it does lives in package stack.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/platform-team/redis-sentinel/stack"
)

func main() {
	pulumi.Run(stack.Program)
}
