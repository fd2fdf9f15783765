package sandbox

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// binfmtDir is where the kernel lists binfmt_misc handlers. stagebox only
// reads it: mounting it or registering handlers needs the host's root.
const binfmtDir = "/proc/sys/fs/binfmt_misc"

// elfID is what an ELF header says about the machine a binary is for:
// class (1 32-bit, 2 64-bit), data (1 little, 2 big endian) and e_machine.
type elfID struct {
	class, data byte
	machine     uint16
}

// elfIDs are the ELF identities of the Linux architectures, by OCI name.
var elfIDs = map[string]elfID{
	"amd64": {2, 1, 62}, "386": {1, 1, 3}, "arm64": {2, 1, 183}, "arm": {1, 1, 40},
	"ppc64le": {2, 1, 21}, "s390x": {2, 2, 22}, "riscv64": {2, 1, 243},
	"mips64le": {2, 1, 8}, "loong64": {2, 1, 258},
}

// handler is one binfmt_misc registration that runs ELF binaries.
type handler struct {
	name, interpreter, flags string
	id                       elfID
}

// EmulatedArchs lists the architectures (OCI names) an enabled binfmt_misc
// handler with the F flag runs, which is what RUN in a user namespace needs.
func EmulatedArchs() []string {
	var out []string
	for arch := range elfIDs {
		if h, ok := findHandler(arch); ok && strings.Contains(h.flags, "F") {
			out = append(out, arch)
		}
	}
	sort.Strings(out)
	return out
}

// CheckEmulation says, in one line, why RUN for arch cannot run on this
// host, or returns nil when a handler registered with the F flag will run
// its binaries (it then works inside every namespace).
func CheckEmulation(arch string) error {
	if _, ok := elfIDs[arch]; !ok {
		return fmt.Errorf("RUN for architecture %s: stagebox does not know this architecture's binaries; build for one of linux/amd64, linux/arm64, linux/arm, linux/ppc64le, linux/s390x, linux/riscv64", arch)
	}
	h, ok := findHandler(arch)
	if !ok {
		return fmt.Errorf("RUN for architecture %s needs emulation, but no binfmt_misc handler for %s is registered: install qemu-user-static (apt-get install qemu-user-static binfmt-support), or register one once as root (docker run --privileged tonistiigi/binfmt --install %s); check with `stagebox info`", arch, arch, arch)
	}
	if !strings.Contains(h.flags, "F") {
		return fmt.Errorf("RUN for architecture %s: the binfmt_misc handler %s (%s) lacks the F (fix-binary) flag, so it cannot run inside a container; re-register it with F, as Debian's qemu-user-static does", arch, h.name, h.interpreter)
	}
	return nil
}

// findHandler finds the enabled handler whose magic matches arch's ELF
// header. No binfmt_misc mounted means no handler.
func findHandler(arch string) (handler, bool) {
	want, ok := elfIDs[arch]
	if !ok {
		return handler{}, false
	}
	entries, err := os.ReadDir(binfmtDir)
	if err != nil {
		return handler{}, false
	}
	for _, e := range entries {
		if e.Name() == "register" || e.Name() == "status" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(binfmtDir, e.Name()))
		if err != nil {
			continue
		}
		h, ok := parseHandler(e.Name(), string(data))
		if ok && h.id == want {
			return h, true
		}
	}
	return handler{}, false
}

// parseHandler reads one /proc/sys/fs/binfmt_misc entry; it reports false
// for a disabled handler or one that does not match ELF headers by magic.
func parseHandler(name, text string) (handler, bool) {
	h := handler{name: name}
	var magic []byte
	enabled := false
	for _, line := range strings.Split(text, "\n") {
		key, val, _ := strings.Cut(line, " ")
		switch key {
		case "enabled":
			enabled = true
		case "interpreter":
			h.interpreter = val
		case "flags:":
			h.flags = val
		case "offset":
			if val != "0" {
				return h, false
			}
		case "magic":
			magic, _ = hex.DecodeString(val)
		}
	}
	if !enabled || len(magic) < 20 || string(magic[:4]) != "\x7fELF" {
		return h, false
	}
	h.id = elfID{class: magic[4], data: magic[5]}
	if h.id.data == 2 {
		h.id.machine = uint16(magic[18])<<8 | uint16(magic[19])
	} else {
		h.id.machine = uint16(magic[19])<<8 | uint16(magic[18])
	}
	return h, true
}
