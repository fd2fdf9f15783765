package lockdown

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// The images the containers run, cached by tag in the daemon.
const (
	// baseImage is a debootstrap'd Debian (minbase), imported once.
	baseImage = "stagebox-test-base:bookworm"
	// testImage is contrib/Dockerfile's runtime stage on baseImage: uidmap
	// with file capabilities, proot, fuse-overlayfs, the user build (1000)
	// with subordinate ids, the store at /var/lib/stagebox.
	testImage = "stagebox-test:runtime"
	// setuidImage is testImage with Debian's setuid newuidmap/newgidmap.
	setuidImage = "stagebox-test:setuid"
)

// debootstrapMirror is plain HTTP: apt needs no CA certificates for it.
const debootstrapMirror = "http://deb.debian.org/debian"

// repoRoot is the module root, from tests/e2e/lockdown.
var repoRoot = filepath.Join("..", "..", "..")

// makeImages makes the base and test images on d where missing. docker
// build's own cache makes an unchanged contrib/Dockerfile quick.
func makeImages(d *daemon, scratch string) error {
	if !d.hasImage(baseImage) {
		if err := importBase(d, filepath.Join(scratch, "debootstrap")); err != nil {
			return err
		}
	}
	empty := filepath.Join(scratch, "empty-context")
	if err := os.MkdirAll(empty, 0o755); err != nil {
		return err
	}
	builds := []struct{ image, dockerfile, target, arg string }{
		{testImage, filepath.Join(repoRoot, "contrib", "Dockerfile"), "runtime", "DEBIAN=" + baseImage},
		{setuidImage, filepath.Join("testdata", "setuid.Dockerfile"), "", "IMAGE=" + testImage},
	}
	for _, b := range builds {
		args := []string{"build", "-q", "--network", "host", "-t", b.image, "-f", b.dockerfile, "--build-arg", b.arg}
		if b.target != "" {
			args = append(args, "--target", b.target)
		}
		if _, err := d.docker(append(args, empty)...); err != nil {
			return err
		}
	}
	return nil
}

// importBase makes baseImage: Debian bookworm by debootstrap, imported
// from a tar of the tree.
func importBase(d *daemon, dir string) error {
	if _, err := exec.LookPath("debootstrap"); err != nil {
		return fmt.Errorf("the base image %s is missing and debootstrap is not installed (apt-get install debootstrap)", baseImage)
	}
	defer os.RemoveAll(dir)
	out, err := exec.Command("debootstrap", "--variant=minbase", "bookworm", dir, debootstrapMirror).CombinedOutput()
	if err != nil {
		return fmt.Errorf("debootstrap: %v\n%s", err, tail(out))
	}
	imp := exec.Command("sh", "-c", `tar -C "$1" -c . | docker import - "$2"`, "sh", dir, baseImage)
	imp.Env = append(os.Environ(), "DOCKER_HOST="+d.host)
	if out, err := imp.CombinedOutput(); err != nil {
		return fmt.Errorf("docker import: %v\n%s", err, out)
	}
	return nil
}

// tail is the last lines of a long output.
func tail(out []byte) []byte {
	const keep = 2000
	if len(out) > keep {
		return out[len(out)-keep:]
	}
	return out
}
