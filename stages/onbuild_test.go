package stages

import (
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

func TestParseTriggersRunsRecordedInstructions(t *testing.T) {
	cmds, err := parseTriggers([]string{"RUN echo hi", "COPY a /b"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cmds[0].(*instructions.RunCommand); !ok {
		t.Fatalf("trigger 0 is %T", cmds[0])
	}
	if _, ok := cmds[1].(*instructions.CopyCommand); !ok {
		t.Fatalf("trigger 1 is %T", cmds[1])
	}
}

func TestParseTriggersRefusesChainingAndFrom(t *testing.T) {
	for _, bad := range []string{"ONBUILD RUN x", "FROM busybox", "MAINTAINER me"} {
		if _, err := parseTriggers([]string{bad}); err == nil || !strings.Contains(err.Error(), "not allowed") {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}
