package e2e

import (
	"strings"
	"testing"
	"time"
)

// stageFailDockerfile has a slow stage and a failing one running at once.
const stageFailDockerfile = `FROM busybox AS slow
RUN sleep 60
FROM busybox AS broken
RUN exit 3
FROM busybox
COPY --from=slow /etc/passwd /a
COPY --from=broken /etc/passwd /b
`

// TestFailingStageStopsTheOthers pins issue 3's rule for parallel stages:
// the first failure ends the build, killing the stages still running,
// instead of waiting for them. The 60 s sleep bounds it from far away, so
// a loaded machine cannot make this flaky.
func TestFailingStageStopsTheOthers(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		ctx := s.context(t, map[string]string{"Dockerfile": stageFailDockerfile})
		r := s.run(t, opts{}, "bud", ctx)
		if r.code == 0 || !strings.Contains(r.stderr, "Dockerfile:4: RUN exited with status 3") {
			t.Fatalf("want the broken stage's error:\n%s", r)
		}
		if r.took > 45*time.Second {
			t.Errorf("the build waited for the slow stage (%s) instead of stopping it", r.took)
		}
	})
}
