package e2e

import (
	"runtime"
	"strings"
	"testing"
)

// TestRefusedBeforeTheFirstStep: what stagebox refuses is refused before
// any step runs, naming the first offending line in file order, even when
// the stages run in parallel and a later line's stage would reach it first.
func TestRefusedBeforeTheFirstStep(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		df := `FROM busybox AS slow
RUN echo first-step-ran
RUN sleep 1
ADD --keep-git-dir=true local.txt /r
FROM busybox AS fast
ADD --keep-git-dir=true local.txt /r
FROM busybox
COPY --from=slow /etc/passwd /a
COPY --from=fast /etc/passwd /b
`
		for _, jobs := range []string{"1", "4"} {
			r := s.bud(t, opts{}, df, nil, "--jobs", jobs)
			wantOneLineError(t, r, "Dockerfile:4", "git")
			wantNoStep(t, r)
		}
		// A foreign platform on a later FROM does not jump the queue.
		other := "linux/arm64"
		if runtime.GOARCH == "arm64" {
			other = "linux/amd64"
		}
		r := s.bud(t, opts{}, "FROM busybox\nRUN echo step-ran\nADD --keep-git-dir=true local.txt /r\nFROM --platform="+other+" busybox\nCOPY --from=0 /etc/passwd /p\n", nil)
		wantOneLineError(t, r, "Dockerfile:3", "git")
		wantNoStep(t, r)
		r = s.bud(t, opts{}, "FROM busybox\nRUN echo step-ran\nFROM --platform="+other+" busybox\nCOPY --from=0 /etc/passwd /p\n", nil)
		wantOneLineError(t, r, "Dockerfile:3", "platform")
		wantNoStep(t, r)
	})
}

// wantNoStep asserts that a failed build ran no step.
func wantNoStep(t *testing.T, r result) {
	t.Helper()
	if strings.Contains(r.stdout+r.stderr, "STEP") || strings.Contains(r.stdout+r.stderr, "step-ran") {
		t.Errorf("a step ran before the refusal:\n%s", r)
	}
}
