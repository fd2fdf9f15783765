package sandbox

import (
	"strings"
	"syscall"
	"testing"
)

func TestDecideRootlessUserGetsRootless(t *testing.T) {
	s, err := decide(rootlessHost(), "auto")
	if err != nil || s.Isolation.Tier != TierRootless || s.Isolation.SharedProc {
		t.Fatalf("decide = %+v, %v; want rootless", s, err)
	}
	if why := s.Isolation.Unavailable[TierOCI]; !strings.Contains(why, "uid 1000") {
		t.Errorf("unavailable[oci] = %q, want the reason (not root)", why)
	}
	if _, ok := s.Isolation.Unavailable[TierProot]; ok {
		t.Error("a weaker tier listed as unavailable")
	}
}

func TestDecideMaskedProcSharesProc(t *testing.T) {
	f := rootlessHost()
	f.userns.proc = syscall.EPERM
	s, err := decide(f, "auto")
	if err != nil || s.Isolation.Tier != TierRootless || !s.Isolation.SharedProc {
		t.Fatalf("decide = %+v, %v; want rootless with a shared /proc", s, err)
	}
	if line := lineFor(s) + ", " + extraFor(s); !strings.Contains(line, "shared /proc: the container masks /proc paths, RUN has no PID namespace") {
		t.Errorf("line %q does not say /proc is shared", line)
	}
}

func TestDecideNoUserNamespacesFallsToProot(t *testing.T) {
	f := rootlessHost()
	f.userns.start = syscall.EPERM
	s, err := decide(f, "auto")
	if err != nil || s.Isolation.Tier != TierProot || s.Proot != "/usr/bin/proot" {
		t.Fatalf("decide = %+v, %v; want proot", s, err)
	}
	if !strings.Contains(s.Isolation.Unavailable[TierRootless], "CLONE_NEWUSER") {
		t.Errorf("unavailable = %v, want why rootless is not possible", s.Isolation.Unavailable)
	}
	if line := lineFor(s); line != "isolation: proot, no user namespaces allowed here: RUN shares the container's PID and network namespaces" {
		t.Errorf("line %q", line)
	}
	f.prootPath = ""
	if _, err := decide(f, "auto"); err == nil || !strings.Contains(err.Error(), "apt-get install proot") {
		t.Errorf("no tier and no proot: err %v, want the install line", err)
	}
}

func TestDecideForcedTiersNeverFallBack(t *testing.T) {
	if _, err := decide(rootlessHost(), TierOCI); err == nil || !strings.Contains(err.Error(), "--isolation oci is not possible here") {
		t.Errorf("oci as non-root: err %v", err)
	}
	f := rootlessHost()
	f.userns.start = syscall.EPERM
	_, err := decide(f, TierRootless)
	if err == nil || !strings.Contains(err.Error(), "seccomp=unconfined") {
		t.Errorf("rootless where unshare is refused: err %v, want the cause and its fix", err)
	}
	s, err := decide(rootlessHost(), TierProot)
	if err != nil || s.Isolation.Tier != TierProot || !s.Forced {
		t.Errorf("forced proot: %+v, %v", s, err)
	}
}

func TestDecideRootWithoutCapSysAdminKeepsItsIDs(t *testing.T) {
	f := rootlessHost()
	f.euid, f.uid = 0, 0
	f.status.capEff = 0xa80425fb // Docker's defaults
	f.oci.start = syscall.EPERM
	f.userns.pivot = syscall.EPERM
	s, err := decide(f, "auto")
	if err != nil || s.Isolation.Tier != TierRootless || !s.KeepRoot || !s.NoPivot {
		t.Fatalf("decide = %+v, %v; want rootless keeping root's ids, without pivot_root", s, err)
	}
	if !strings.Contains(s.Isolation.Unavailable[TierOCI], "CAP_SYS_ADMIN") {
		t.Errorf("unavailable[oci] = %q", s.Isolation.Unavailable[TierOCI])
	}
	f.status.capEff = allCaps
	f.oci.start = nil
	if s, err := decide(f, "auto"); err != nil || s.Isolation.Tier != TierOCI {
		t.Errorf("root with every capability: %+v, %v; want oci", s, err)
	}
}

func TestParseIsolation(t *testing.T) {
	for in, want := range map[string]string{"": "auto", "auto": "auto", "oci": "oci", "rootless": "rootless", "proot": "proot"} {
		if got, err := ParseIsolation(in); err != nil || got != want {
			t.Errorf("ParseIsolation(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseIsolation("chroot"); err == nil || !strings.Contains(err.Error(), "auto, oci, rootless or proot") {
		t.Errorf("ParseIsolation(chroot) err %v", err)
	}
}
