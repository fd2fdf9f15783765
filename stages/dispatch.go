package stages

import (
	"context"
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// dispatch runs one instruction: expansion first (for instructions whose
// words Docker expands), then the executor for its type.
func (st *stageState) dispatch(ctx context.Context, cmd instructions.Command) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, isArg := cmd.(*instructions.ArgCommand); !isArg {
		if e, ok := cmd.(instructions.SupportsSingleWordExpansion); ok {
			if err := e.Expand(st.expand); err != nil {
				return err
			}
		}
		if e, ok := cmd.(instructions.SupportsSingleWordExpansionRaw); ok {
			if err := e.ExpandRaw(st.expand); err != nil {
				return err
			}
		}
	}
	if err := refusal(cmd); err != nil { // ONBUILD triggers were not validated before the build
		return err
	}
	st.progress("%s", historyText(cmd))
	switch c := cmd.(type) {
	case *instructions.RunCommand:
		return st.run(ctx, c)
	case *instructions.CopyCommand:
		return st.copy(ctx, c)
	case *instructions.AddCommand:
		return st.add(ctx, c)
	case *instructions.WorkdirCommand:
		return st.workdir(c)
	case *instructions.ArgCommand:
		return st.arg(c)
	default:
		if err := st.metadata(cmd); err != nil {
			return err
		}
		st.addHistory(cmd, true)
		return nil
	}
}

// arg declares ARGs; each default is expanded against what is already in
// scope (so `ARG B=$A` sees an earlier `ARG A`).
func (st *stageState) arg(c *instructions.ArgCommand) error {
	for _, kv := range c.Args {
		if err := st.args.declare(kv, st.expand); err != nil {
			return err
		}
	}
	st.addHistory(c, true)
	return nil
}

// shellArgs turns a shell-form command line into argv with the stage's
// SHELL (default /bin/sh -c), as Docker does for RUN, CMD and ENTRYPOINT.
func (st *stageState) shellArgs(line instructions.ShellDependantCmdLine) []string {
	if !line.PrependShell {
		return append([]string(nil), line.CmdLine...)
	}
	sh := st.cfg.Config.Shell
	if len(sh) == 0 {
		sh = []string{"/bin/sh", "-c"}
	}
	out := append([]string(nil), sh...)
	return append(out, strings.Join(line.CmdLine, " "))
}

// unsupportedFlag is the error for a flag BuildKit's parser accepts but
// stagebox does not implement: refusing beats silently ignoring it.
func unsupportedFlag(flag string) error {
	return fmt.Errorf("%s is not supported by stagebox yet; remove the flag", flag)
}
