package lockdown

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// The images the containers run, made by images.sh and cached by tag in
// the daemon.
const (
	// testImage is contrib/Dockerfile's runtime stage on a debootstrap'd
	// Debian: uidmap with file capabilities, proot, fuse-overlayfs, the
	// user build (1000) with subordinate ids, the store at /var/lib/stagebox.
	testImage = "stagebox-test:runtime"
	// setuidImage is testImage with Debian's setuid newuidmap/newgidmap.
	setuidImage = "stagebox-test:setuid"
)

// repoRoot is the module root, from tests/e2e/lockdown.
var repoRoot = filepath.Join("..", "..", "..")

// makeImages makes the images on d where missing (images.sh).
func makeImages(d *daemon) error {
	cmd := exec.Command("bash", "images.sh")
	cmd.Env = append(os.Environ(), "DOCKER_HOST="+d.host)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("images.sh: %v\n%s", err, out)
	}
	return nil
}
