package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagebox/stagebox/tests/ocidir"
)

// TestBuildahUsersScript runs README's buildah script exactly as written:
// with `stagebox` on PATH, the store chosen by storage.conf
// (CONTAINERS_STORAGE_CONF), as a buildah user's CI job has it, and
// REGISTRY a registry on 127.0.0.1 (registries.conf marks it insecure).
func TestBuildahUsersScript(t *testing.T) {
	script := readmeScript(t, "<!-- e2e: buildah-script -->")
	for _, line := range []string{"stagebox bud --layers --format docker", "stagebox push --digestfile", "stagebox bud --layers --format oci", "stagebox images", "stagebox push myapp", "stagebox rmi"} {
		if !strings.Contains(script, line) {
			t.Fatalf("README's buildah script lost %q:\n%s", line, script)
		}
	}
	reg := serveRegistry(t, registryOptions{})
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		ctx := s.context(t, map[string]string{
			"Containerfile": "FROM busybox\nRUN echo built > /built\nCMD [\"cat\", \"/built\"]\n",
			"build.sh":      script,
		})
		conf := filepath.Join(s.scratch(t, "conf"), "storage.conf")
		writeFile(t, conf, "[storage]\ndriver = \"overlay\"\ngraphroot = \""+s.root()+"\"\nrunroot = \""+s.runroot()+"\"\n")
		regConf := s.registriesConf(t, fmt.Sprintf("[[registry]]\nlocation = %q\ninsecure = true\n", reg.Host))
		bin := s.scratch(t, "bin")
		if err := os.Symlink(binary, filepath.Join(bin, "stagebox")); err != nil {
			t.Fatal(err)
		}
		repo := "buildah/" + a.name
		out, err := runScript(t, a, ctx, "PATH="+bin+":"+os.Getenv("PATH"), "CONTAINERS_STORAGE_CONF="+conf,
			"CONTAINERS_REGISTRIES_CONF="+regConf, "REGISTRY="+reg.Host+"/"+repo, "HOME="+s.dir)
		if err != nil {
			t.Fatalf("README's buildah script failed: %v\n%s", err, out)
		}
		d, err := os.ReadFile(filepath.Join(ctx, "app.digest"))
		if want := reg.ManifestDigest(t, repo+"/app", "1"); err != nil || string(d) != want || !strings.Contains(out, want) {
			t.Errorf("app.digest holds %q (%v), the registry serves %q; want it there and in the output:\n%s", d, err, want, out)
		}
		if !strings.Contains(out, "localhost/myapp") {
			t.Errorf("the script's images did not list myapp:\n%s", out)
		}
		img, err := ocidir.Read(filepath.Join(ctx, "myapp-oci"), "1.0")
		if err != nil {
			t.Fatalf("reading the layout the script pushed: %v\n%s", err, out)
		}
		if got, ok := img.Files().Get("/built"); !ok || string(got.Data) != "built\n" {
			t.Errorf("pushed image's /built = %+v (present %v)", got, ok)
		}
		if listed := s.must(t, "images", "-q", "--filter", "reference=myapp").stdout; listed != "" {
			t.Errorf("the script's rmi left myapp listed: %q", listed)
		}
	})
}

// readmeScript is the sh block that follows marker in README.md.
func readmeScript(t *testing.T, marker string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(data), marker+"\n```sh\n")
	if !ok {
		t.Fatalf("README.md has no ```sh block after %s", marker)
	}
	script, _, ok := strings.Cut(after, "```")
	if !ok {
		t.Fatalf("README.md's block after %s is not closed", marker)
	}
	return script
}

// runScript runs ./build.sh in dir as a, with env, and returns its output.
func runScript(t *testing.T, a *account, dir string, env ...string) (string, error) {
	t.Helper()
	argv := append(append([]string{"env"}, env...), "sh", "./build.sh")
	if a.viaRunuser {
		argv = append([]string{"runuser", "-u", a.name, "--"}, argv...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "XDG_") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	t.Logf("build.sh as %s:\n%s", a.name, out.String())
	return out.String(), err
}
