package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildahScript is README's "For buildah users" script: a buildah user's
// CI lines with only the binary's name changed.
const buildahScript = `stagebox bud --layers --format docker -t $REGISTRY/app:1 -f Dockerfile . &&
stagebox push --digestfile app.digest $REGISTRY/app:1 docker://$REGISTRY/app:1`

// TestCLIBuildahScript runs that script as written, `stagebox` found on
// PATH, against a registry on 127.0.0.1 (registries.conf marks it insecure).
func TestCLIBuildahScript(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	must(t, err)
	if !strings.Contains(string(readme), buildahScript) {
		t.Fatalf("README no longer shows the script this test runs:\n%s", buildahScript)
	}
	both(t, func(t *testing.T, a *account) {
		s, ctx := cliStore(t, a)
		reg := serveRegistry(t, registryOptions{})
		conf := s.registriesConf(t, fmt.Sprintf("[[registry]]\nlocation = %q\ninsecure = true\n", reg.Host))
		bin := s.scratch(t, "bin")
		writeFile(t, filepath.Join(bin, "stagebox"), fmt.Sprintf("#!/bin/sh\nexec %s %s \"$@\"\n", binary, strings.Join(s.args(), " ")))
		must(t, os.Chmod(filepath.Join(bin, "stagebox"), 0o755))
		argv := []string{"env", "PATH=" + bin + ":/usr/sbin:/usr/bin:/sbin:/bin", "REGISTRY=" + reg.Host,
			"CONTAINERS_REGISTRIES_CONF=" + conf, "HOME=" + s.dir, "sh", "-c", buildahScript}
		if a.viaRunuser {
			argv = append([]string{"runuser", "-u", a.name, "--"}, argv...)
		}
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir = ctx
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("the script failed: %v\n%s", err, out)
		}
		d, err := os.ReadFile(filepath.Join(ctx, "app.digest"))
		if err != nil || !strings.HasPrefix(string(d), "sha256:") || !strings.Contains(string(out), string(d)) {
			t.Errorf("want the pushed digest in app.digest and in the output: %q, %v\n%s", d, err, out)
		}
	})
}
