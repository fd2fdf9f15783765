package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// hostResolvConf is copied into each run.
const hostResolvConf = "/etc/resolv.conf"

// writeEtcFiles writes the per-run hosts, resolv.conf and hostname into
// dir. They are bind-mounted over the rootfs's own so a RUN sees a working
// resolver and its name, and nothing of it lands in the layer.
// extraHosts are "HOST:IP" entries (bud --add-host) added to hosts; dns,
// when set, are the nameservers of resolv.conf instead of the host's file.
func writeEtcFiles(dir, hostname string, extraHosts, dns []string) (etcFiles, error) {
	resolv, err := resolvConf(dns)
	if err != nil {
		return etcFiles{}, err
	}
	f := etcFiles{
		hosts:      filepath.Join(dir, "hosts"),
		resolvConf: filepath.Join(dir, "resolv.conf"),
		hostname:   filepath.Join(dir, "hostname"),
	}
	hosts := "127.0.0.1\tlocalhost " + hostname + "\n::1\tlocalhost ip6-localhost ip6-loopback\n"
	for _, h := range extraHosts {
		name, ip, _ := strings.Cut(h, ":")
		hosts += ip + "\t" + name + "\n"
	}
	for path, content := range map[string][]byte{
		f.hosts:      []byte(hosts),
		f.resolvConf: resolv,
		f.hostname:   []byte(hostname + "\n"),
	} {
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return etcFiles{}, fmt.Errorf("writing %s: %w", path, err)
		}
	}
	return f, nil
}

// resolvConf is the host's resolver configuration, or one naming the
// nameservers given.
func resolvConf(dns []string) ([]byte, error) {
	if len(dns) > 0 {
		var b strings.Builder
		for _, ip := range dns {
			b.WriteString("nameserver " + ip + "\n")
		}
		return []byte(b.String()), nil
	}
	resolv, err := os.ReadFile(hostResolvConf)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading the host's resolver configuration: %w", err)
	}
	return resolv, nil
}

// ensureCwd creates cwd inside rootfs when missing, every new directory
// owned by uid:gid (WORKDIR semantics). Ownership failures are ignored only
// when ChownTolerant says ids other than ours cannot exist.
func ensureCwd(rootfs, cwd string, uid, gid uint32) error {
	t := traces{rootfs: rootfs}
	if err := t.recordMissing(cwd); err != nil {
		return err
	}
	if len(t.chains) == 0 {
		return nil
	}
	root, err := os.Open(rootfs)
	if err != nil {
		return fmt.Errorf("opening the rootfs: %w", err)
	}
	defer root.Close()
	dir, err := pathrs.MkdirAllHandle(root, cwd, 0o755)
	if err != nil {
		return fmt.Errorf("creating the working directory %s: %w", cwd, err)
	}
	dir.Close()
	for _, rel := range t.chains[0].paths {
		if err := chownInRoot(rootfs, rel, uid, gid); err != nil {
			return err
		}
	}
	return nil
}

func chownInRoot(rootfs, rel string, uid, gid uint32) error {
	h, err := pathrs.OpenInRoot(rootfs, rel)
	if err != nil {
		return fmt.Errorf("opening %s in the rootfs: %w", rel, err)
	}
	defer h.Close()
	err = unix.Fchownat(int(h.Fd()), "", int(uid), int(gid), unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW)
	if err != nil && !ChownTolerant() {
		return fmt.Errorf("giving %s to %d:%d: %w", rel, uid, gid, err)
	}
	return nil
}
