// Command redis-sentinel checks a deployed cluster through Sentinel and prints
// its app environment. All logic lives in internal/cli and the libraries.
package main

import (
	"os"

	"github.com/platform-team/redis-sentinel/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
