package stages

import (
	"fmt"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// runFlagRefusal checks every flag of a RUN before the build starts:
// --network and --mount are handled, --security=sandbox is what every RUN
// gets anyway; --security=insecure is refused, as is --device, and a mount
// option with no meaning for its type fails here rather than at its step.
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
	for _, m := range instructions.GetMounts(c) {
		if err := checkMountOptions(m); err != nil {
			return fmt.Errorf("--mount=type=%s: %w", m.Type, err)
		}
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
