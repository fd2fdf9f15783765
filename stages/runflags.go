package stages

import (
	"fmt"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// runNetwork checks every flag of a RUN and returns the network it runs
// with: --network=default keeps bud's --network, none and host override it.
// --mount is handled by the mount code; --security=sandbox is what every
// RUN gets anyway, and --security=insecure is refused, as is --device.
func (st *stageState) runNetwork(c *instructions.RunCommand) (string, error) {
	for _, f := range c.FlagsUsed {
		switch f {
		case "network", "mount", "security":
		default:
			return "", unsupportedFlag("RUN --" + f)
		}
	}
	if instructions.GetSecurity(c) == instructions.SecurityInsecure {
		return "", fmt.Errorf("RUN --security=insecure is refused: stagebox never gives a step all capabilities and an unconfined host view; remove the flag (--security=sandbox is the default)")
	}
	switch instructions.GetNetwork(c) {
	case instructions.NetworkNone:
		return "none", nil
	case instructions.NetworkHost:
		return "host", nil
	}
	return st.b.opts.Network, nil
}
