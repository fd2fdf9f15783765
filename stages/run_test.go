package stages

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

func firstRun(t *testing.T, src string) *instructions.RunCommand {
	t.Helper()
	p, err := ParseDockerfile("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return p.Stages[0].Commands[0].(*instructions.RunCommand)
}

func TestRunArgsShellAndExecForm(t *testing.T) {
	st := &stageState{}
	args, _, err := st.runArgs(firstRun(t, "FROM a\nRUN echo $HOME\n"), t.TempDir())
	if err != nil || !reflect.DeepEqual(args, []string{"/bin/sh", "-c", "echo $HOME"}) {
		t.Fatalf("shell form: %v %v", args, err)
	}
	st.cfg.Config.Shell = []string{"/bin/bash", "-eu", "-c"}
	args, _, _ = st.runArgs(firstRun(t, "FROM a\nRUN echo x\n"), t.TempDir())
	if !reflect.DeepEqual(args, []string{"/bin/bash", "-eu", "-c", "echo x"}) {
		t.Fatalf("SHELL not applied: %v", args)
	}
	args, _, _ = st.runArgs(firstRun(t, "FROM a\nRUN [\"/bin/echo\", \"a b\"]\n"), t.TempDir())
	if !reflect.DeepEqual(args, []string{"/bin/echo", "a b"}) {
		t.Fatalf("exec form: %v", args)
	}
}

func TestRunHeredocPlainAndShebang(t *testing.T) {
	st := &stageState{}
	args, mounts, err := st.runArgs(firstRun(t, "FROM a\nRUN <<EOF\necho one\necho two\nEOF\n"), t.TempDir())
	if err != nil || len(mounts) != 0 || args[2] != "echo one\necho two\n" {
		t.Fatalf("plain heredoc: %q %v %v", args, mounts, err)
	}
	dir := t.TempDir()
	args, mounts, err = st.runArgs(firstRun(t, "FROM a\nRUN <<EOT\n#!/bin/sh\necho hi\nEOT\n"), dir)
	if err != nil || len(mounts) != 1 || args[0] != "/dev/pipes/EOT" || !mounts[0].ReadOnly {
		t.Fatalf("shebang heredoc: %q %+v %v", args, mounts, err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "heredoc-EOT"))
	if !strings.HasPrefix(string(data), "#!/bin/sh") {
		t.Fatalf("script = %q", data)
	}
}
