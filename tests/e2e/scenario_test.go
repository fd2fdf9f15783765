package e2e

import (
	"testing"

	"github.com/stagebox/stagebox/tests/ocidir"
)

// scenario is one Dockerfile, its context and flags, and what the image it
// builds must hold.
type scenario struct {
	name       string
	dockerfile string
	files      map[string]string // the context besides the Dockerfile
	args       []string          // bud flags
	check      func(t *testing.T, b built)
}

// built is a scenario's image, pushed and read back.
type built struct {
	s     *store
	id    string
	img   *ocidir.Image
	files ocidir.Files
}

// runScenarios builds each scenario as root and as the unprivileged user,
// one store per user with busybox pulled and tagged; setup, when given,
// prepares the store further (extra base images).
func runScenarios(t *testing.T, scenarios []scenario, setup func(t *testing.T, s *store)) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		if setup != nil {
			setup(t, s)
		}
		for _, sc := range scenarios {
			t.Run(sc.name, func(t *testing.T) {
				id := s.build(t, sc.dockerfile, sc.files, sc.args...)
				img := s.image(t, id)
				sc.check(t, built{s: s, id: id, img: img, files: img.Files()})
			})
		}
	})
}
