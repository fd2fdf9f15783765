package sandbox

import "testing"

// Debian's qemu-user-static registration for aarch64, as the kernel lists it.
const qemuAarch64 = `enabled
interpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P
flags: PF
offset 0
magic 7f454c460201010000000000000000000200b700
mask ffffffffffffff00fffffffffffffffffeffffff
`

func TestParseHandlerMatchesArm64(t *testing.T) {
	h, ok := parseHandler("qemu-aarch64", qemuAarch64)
	if !ok || h.id != elfIDs["arm64"] || h.flags != "PF" {
		t.Fatalf("parseHandler = %+v, %v; want arm64 with flags PF", h, ok)
	}
}

func TestParseHandlerBigEndianS390x(t *testing.T) {
	text := "enabled\ninterpreter /usr/bin/qemu-s390x-static\nflags: F\noffset 0\nmagic 7f454c4602020100000000000000000000020016\n"
	h, ok := parseHandler("qemu-s390x", text)
	if !ok || h.id != elfIDs["s390x"] {
		t.Fatalf("parseHandler = %+v, %v; want s390x", h, ok)
	}
}

func TestParseHandlerSkipsDisabledAndNonELF(t *testing.T) {
	if _, ok := parseHandler("qemu-aarch64", "disabled\n"+qemuAarch64[len("enabled\n"):]); ok {
		t.Error("a disabled handler matched")
	}
	if _, ok := parseHandler("jar", "enabled\ninterpreter /usr/bin/jexec\nflags: \noffset 0\nmagic 504b0304\n"); ok {
		t.Error("a non-ELF handler matched")
	}
}
