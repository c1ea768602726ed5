// Command deploy is the orgsiem Pulumi program (Pulumi.yaml points here):
// `pulumi up` from the Organizations management account.
package main

import (
	"github.com/orgsiem/orgsiem/stacks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() { pulumi.Run(stacks.Run) }
