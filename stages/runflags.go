package stages

import (
	"fmt"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// runFlagRefusal checks every flag of a RUN before the build starts:
// --network and --mount are handled, --security=sandbox is what every RUN
// gets anyway; --security=insecure is refused, as is --device. Mount
// options are checked at the step (checkMounts): BuildKit's parser reads
// most of them only when the RUN's variables are expanded.
func runFlagRefusal(c *instructions.RunCommand) error {
	for _, f := range c.FlagsUsed {
		switch f {
		case "network", "mount", "security":
		default:
			return unsupportedFlag("RUN --" + f)
		}
	}
	if instructions.GetSecurity(c) == instructions.SecurityInsecure {
		return fmt.Errorf("RUN --security=insecure is refused: stagebox never gives a step all capabilities and an unconfined host view; remove the flag (--security=sandbox is the default)")
	}
	return nil
}

// runNetwork is the network a RUN runs with: --network=default keeps
// bud's --network, none and host override it.
func (st *stageState) runNetwork(c *instructions.RunCommand) string {
	switch instructions.GetNetwork(c) {
	case instructions.NetworkNone:
		return "none"
	case instructions.NetworkHost:
		return "host"
	}
	return st.b.opts.Network
}
