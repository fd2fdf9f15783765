package lockdown

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stagebox/stagebox/tests/ocidir"
)

// checkSeed reads the seed example's image back: one layer holding only
// /app, owned by root, which runs on the host and greets.
func checkSeed(t *testing.T, layout string) {
	t.Helper()
	img, err := ocidir.Read(layout, "latest")
	if err != nil {
		t.Fatalf("reading the pushed seed image: %v", err)
	}
	fs := img.Files()
	app, ok := fs.Get("/app")
	if !ok || len(fs) != 1 {
		t.Fatalf("the seed image holds %d entries, want /app alone", len(fs))
	}
	if app.Uid != 0 || app.Gid != 0 || app.Mode&0o111 == 0 {
		t.Errorf("/app: owner %d:%d mode %o, want 0:0 and executable", app.Uid, app.Gid, app.Mode)
	}
	bin := filepath.Join(t.TempDir(), "app")
	if err := os.WriteFile(bin, app.Data, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin).CombinedOutput()
	if want := "hello from stagebox (linux/" + runtime.GOARCH; err != nil || !strings.Contains(string(out), want) {
		t.Errorf("/app printed %q (%v), want %q", out, err, want)
	}
}

// checkOwners reads the RUN-heavy image back and checks the owners it
// records against what the configuration can express.
func checkOwners(t *testing.T, layout string, o ownership) {
	t.Helper()
	img, err := ocidir.Read(layout, "latest")
	if err != nil {
		t.Fatalf("reading the pushed RUN-heavy image: %v", err)
	}
	fs := img.Files()
	copied, ran, refused := [2]int{1234, 5678}, [2]int{42, 43}, false
	switch o {
	case recordedOwners:
		ran = [2]int{0, 0}
	case oneID:
		copied, ran, refused = [2]int{0, 0}, [2]int{0, 0}, true
	}
	ocidir.WantOwner(t, fs, "/a", copied[0], copied[1])
	ocidir.WantOwner(t, fs, "/data", ran[0], ran[1])
	ocidir.WantOwner(t, fs, "/data/steps", 0, 0)
	if _, ok := fs.Get("/data/chown-refused"); ok != refused {
		t.Errorf("RUN chown 42:43 refused: %v, want %v", ok, refused)
	}
	for path, want := range map[string]string{"/data/uid": "0\n", "/data/steps": steps(28)} {
		if e, ok := fs.Get(path); !ok || string(e.Data) != want {
			t.Errorf("%s: %q, want %q", path, e.Data, want)
		}
	}
}

// steps is what n RUN steps appended to /data/steps.
func steps(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "step%d\n", i)
	}
	return b.String()
}
