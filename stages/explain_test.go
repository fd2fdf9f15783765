package stages

import (
	"slices"
	"strings"
	"testing"
)

func TestStepInputsNameEachPartAndHideValues(t *testing.T) {
	st := &stageState{b: &builder{}}
	st.b.args = newBuildArgs(nil)
	st.args = newArgScope(st.b.args, nil)
	st.cfg.Config.Env = []string{"TOKEN=s3cret", "A=1"}
	in := stepInputs(st.stepParts(st.runKey("RUN make", nil, "host")))
	for _, want := range []string{"instruction", "variable TOKEN", "variable A", "USER", "WORKDIR", "SHELL", "network", "target platform (--platform)"} {
		if _, ok := in[want]; !ok {
			t.Errorf("no input %q in %v", want, in)
		}
	}
	for k, v := range in {
		if strings.Contains(v, "s3cret") || strings.Contains(k, "s3cret") {
			t.Errorf("input %q holds a raw value: %q", k, v)
		}
	}
}

func TestInputDiffSaysWhatChanged(t *testing.T) {
	before := map[string]string{"instruction": "x", "variable V": "1", "variable GONE": "g"}
	now := map[string]string{"instruction": "x", "variable V": "2", "variable NEW": "n"}
	want := []string{"variable GONE is gone", "variable NEW is new", "variable V changed"}
	if got := inputDiff(now, before); !slices.Equal(got, want) {
		t.Errorf("inputDiff = %q, want %q", got, want)
	}
	bound := stepInputs([]string{"RUN", "make", "", "", "user=", "bind /src=k1", "bind /other=k2"})
	if _, ok := bound["files bound at /src"]; !ok || len(bound) != 5 {
		t.Errorf("RUN --mount inputs %v lack one per bound target", bound)
	}
	copyIn := stepInputs([]string{"COPY a /a", "dest=/a", "chown=", "chmod= extract=false", "content=abc", "/f", "echo token=x"})
	if _, ok := copyIn["input 6"]; !ok {
		t.Errorf("a heredoc's text became an input name: %v", copyIn)
	}
	for _, want := range []string{"instruction", "destination", "--chown", "--chmod", "build context content"} {
		if _, ok := copyIn[want]; !ok {
			t.Errorf("COPY inputs %v lack %q", copyIn, want)
		}
	}
}
