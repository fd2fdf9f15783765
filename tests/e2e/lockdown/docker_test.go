package lockdown

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// daemonsDir holds the data root, exec root, pid file and socket of each
// daemon the suite starts, one directory per daemon, kept across runs so
// the images they hold are a cache.
const daemonsDir = "/var/lib/stagebox-dockerd"

// daemon is one dockerd the suite talks to.
type daemon struct {
	host    string // DOCKER_HOST
	dir     string // under daemonsDir, "" for a daemon DOCKER_HOST named
	started bool   // the suite started it and stops it
}

// errNoDaemon means no Docker daemon can run here: the only reason to skip.
var errNoDaemon = errors.New("no Docker daemon can run")

// startDaemon returns the daemon of daemonsDir/name, starting it with
// extra dockerd flags when it does not answer yet.
func startDaemon(name string, extra ...string) (*daemon, error) {
	d := &daemon{dir: filepath.Join(daemonsDir, name)}
	d.host = "unix://" + filepath.Join(d.dir, "docker.sock")
	if d.answers() {
		return d, nil
	}
	if _, err := exec.LookPath("dockerd"); err != nil {
		return nil, fmt.Errorf("%w: dockerd is not installed (apt-get install docker.io)", errNoDaemon)
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("%w: none answers on %s and starting one needs root", errNoDaemon, d.host)
	}
	cmd := exec.Command("bash", "dockerd.sh", d.dir)
	cmd.Args = append(cmd.Args, extra...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("starting dockerd in %s: %v\n%s", d.dir, err, out)
	}
	d.started = true
	return d, nil
}

// envDaemon is the daemon DOCKER_HOST names, or nil.
func envDaemon() *daemon {
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		return &daemon{host: h}
	}
	return nil
}

func (d *daemon) answers() bool {
	_, err := d.docker("version", "--format", "{{.Server.Version}}")
	return err == nil
}

// stop ends a daemon the suite started and waits until it is gone.
func (d *daemon) stop() {
	if !d.started || os.Getenv("STAGEBOX_LOCKDOWN_KEEP") != "" {
		return
	}
	data, err := os.ReadFile(filepath.Join(d.dir, "docker.pid"))
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 1 {
		return
	}
	if syscall.Kill(pid, syscall.SIGTERM) != nil {
		return
	}
	// dockerd removes its pid file last, once its containers are down.
	for syscall.Kill(pid, 0) == nil {
		time.Sleep(200 * time.Millisecond)
	}
}

// docker runs the docker CLI against d and returns its stdout; the error
// carries stderr.
func (d *daemon) docker(args ...string) (string, error) {
	stdout, stderr, err := d.command(args...)
	if err != nil {
		return stdout, fmt.Errorf("docker %s: %v\n%s%s", strings.Join(args, " "), err, stdout, stderr)
	}
	return stdout, nil
}

// exec runs argv in container name as its configured user; the error is
// the exit status alone, stderr is returned apart.
func (d *daemon) exec(name string, argv ...string) (stdout, stderr string, err error) {
	return d.command(append([]string{"exec", name}, argv...)...)
}

func (d *daemon) command(args ...string) (string, string, error) {
	cmd := exec.Command("docker", args...)
	cmd.Env = append(os.Environ(), "DOCKER_HOST="+d.host, "DOCKER_CLI_HINTS=false")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

func (d *daemon) hasImage(ref string) bool {
	_, err := d.docker("image", "inspect", "--format", "{{.Id}}", ref)
	return err == nil
}

// copyImage loads ref from d into to, unless to has it already.
func (d *daemon) copyImage(to *daemon, ref string) error {
	if to.hasImage(ref) {
		return nil
	}
	save := exec.Command("docker", "save", ref)
	save.Env = append(os.Environ(), "DOCKER_HOST="+d.host)
	load := exec.Command("docker", "load", "-q")
	load.Env = append(os.Environ(), "DOCKER_HOST="+to.host)
	pipe, err := save.StdoutPipe()
	if err != nil {
		return err
	}
	load.Stdin = pipe
	var errs bytes.Buffer
	save.Stderr, load.Stderr = &errs, &errs
	if err := save.Start(); err != nil {
		return err
	}
	loadErr := load.Run()
	if err := errors.Join(save.Wait(), loadErr); err != nil {
		return fmt.Errorf("docker save %s | docker load: %v\n%s", ref, err, errs.String())
	}
	return nil
}
