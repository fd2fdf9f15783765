package e2e

import (
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stagebox/stagebox/tests/fixtures"
)

// demoDir is the seed's demo, the same files `make demo` builds.
var demoDir = filepath.Join("..", "..", "contrib", "examples", "hello")

// TestSeedDemo is the seed's scenario: a Go program compiled in a golang
// stage and copied into FROM scratch, then run.
func TestSeedDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles Go inside a build: skipped with -short")
	}
	layout, files := seedDemo(t)
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		golang := s.must(t, "pull", "oci:"+layout+":"+fixtures.Tag).id(t)
		s.must(t, "tag", golang, "golang")

		ctx := s.context(t, files)
		r := s.must(t, "bud", "-t", "hello", ctx)
		t.Logf("demo build (cold, %s): %s", a.name, r.took)
		id := r.id(t)

		out := s.must(t, "run", "hello").stdout
		if want := "hello from stagebox (linux/" + runtime.GOARCH; !strings.Contains(out, want) {
			t.Errorf("the demo printed %q, want %q", out, want)
		}

		img := s.image(t, id)
		c := img.Config.Config
		wantStrings(t, "ExposedPorts", slices.Sorted(maps.Keys(c.ExposedPorts)), []string{"53/tcp", "53/udp"})
		wantStrings(t, "Cmd", c.Cmd, []string{"/app"})
		if len(img.Layers) != 1 {
			t.Errorf("%d layers, want only the COPY's", len(img.Layers))
		}
		fs := img.Files()
		wantOwner(t, fs, "/app", 0, 0)
		if e, ok := fs.Get("/app"); ok && e.Mode&0o111 == 0 {
			t.Errorf("/app mode %o is not executable", e.Mode)
		}
		for name := range fs {
			if name != "app" {
				t.Errorf("%s in the scratch image: only /app belongs there", name)
			}
		}
	})
}

// seedDemo is what the seed's scenario builds from: the Go toolchain
// fixture layout and the demo's files (Dockerfile, go.mod, main.go).
func seedDemo(t *testing.T) (layout string, files map[string]string) {
	t.Helper()
	layout, err := goToolchainLayout()
	if err != nil {
		t.Fatalf("Go toolchain fixture: %v", err)
	}
	files = map[string]string{}
	for _, name := range []string{"Dockerfile", "go.mod", "main.go"} {
		data, err := os.ReadFile(filepath.Join(demoDir, name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(data)
	}
	return layout, files
}
