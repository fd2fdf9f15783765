package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestInfoDescribesTheSetup pins what `info` must tell a user debugging a
// rootless setup: who they are, the id mapping, the driver, native overlay.
func TestInfoDescribesTheSetup(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		out := s.must(t, "info").stdout
		want := map[string]string{
			"user":           fmt.Sprintf("%s (uid %d", a.name, a.uid),
			"storage driver": "overlay",
			"native overlay": "true",
			"graph root":     s.root(),
			"rootless":       fmt.Sprint(a.rootless()),
		}
		if start := subIDStart("/etc/subuid", a.name); a.rootless() && start != "" {
			want["uid map"] = start
			want["subuid ranges"] = start
		}
		for key, w := range want {
			if got := infoField(out, key); !strings.Contains(got, w) {
				t.Errorf("info says %s: %q, want it to mention %q\n%s", key, got, w, out)
			}
		}
		if strings.Contains(out, "problem:") {
			t.Errorf("info reports problems on a machine set up for rootless builds:\n%s", out)
		}
	})
}

// infoField is the value of the "key: value" line in info's output.
func infoField(out, key string) string {
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// subIDStart is the first subordinate id /etc/subuid (or subgid) gives name.
func subIDStart(file, name string) string {
	data, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Split(line, ":"); len(f) == 3 && f[0] == name {
			return f[1]
		}
	}
	return ""
}
