package sandbox

import (
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
)

func TestParseStatus(t *testing.T) {
	docker := "Name:\tsh\nCapEff:\t00000000a80425fb\nNoNewPrivs:\t0\n"
	s, err := parseStatus(docker)
	if err != nil || s.hasCapSysAdmin() || s.noNewPrivs {
		t.Errorf("Docker's default caps: %+v, %v; want no CAP_SYS_ADMIN, no no_new_privs", s, err)
	}
	priv := "CapEff:\t000001ffffffffff\nNoNewPrivs:\t1\n"
	if s, err = parseStatus(priv); err != nil || !s.hasCapSysAdmin() || !s.noNewPrivs {
		t.Errorf("full caps with no_new_privs: %+v, %v", s, err)
	}
	if _, err := parseStatus("Name:\tsh\n"); err == nil {
		t.Error("a status without CapEff parsed")
	}
}

func TestParseIDMapAndOutsideMap(t *testing.T) {
	own, err := parseIDMap("         0     100000      65536\n")
	if err != nil || len(own) != 1 || own[0].Size != 65536 || own[0].HostID != 100000 {
		t.Fatalf("parseIDMap = %+v, %v", own, err)
	}
	if _, err := parseIDMap("0 1\n"); err == nil {
		t.Error("a two-field line parsed")
	}
	// A remapped container has ids 0..65535; ranges from a host's
	// /etc/subuid (100000+) are not there, ranges inside it are.
	outside := outsideMap([]specs.LinuxIDMapping{{HostID: 100000, Size: 65536}}, own)
	if len(outside) != 1 {
		t.Errorf("a range above the container's map: outside = %+v", outside)
	}
	if inside := outsideMap([]specs.LinuxIDMapping{{HostID: 1001, Size: 64535}}, own); len(inside) != 0 {
		t.Errorf("a range inside the container's map reported outside: %+v", inside)
	}
	full, _ := parseIDMap("0 0 4294967295\n")
	if o := outsideMap([]specs.LinuxIDMapping{{HostID: 100000, Size: 65536}}, full); len(o) != 0 {
		t.Errorf("the host's own map covers every range, got outside %+v", o)
	}
}

func TestFSKindOf(t *testing.T) {
	for magic, want := range map[int64]string{0x794c7630: "overlay", 0x6969: "nfs", 0xff534d42: "nfs", 0xef53: "", 0x01021994: ""} {
		if got := fsKindOf(magic); got != want {
			t.Errorf("fsKindOf(%#x) = %q, want %q", magic, got, want)
		}
	}
}

func TestParseNSProbe(t *testing.T) {
	p := parseNSProbe("proc=1\npivot=ok\n")
	if p.proc == nil || p.pivot != nil {
		t.Errorf("proc=EPERM pivot=ok parsed as %+v", p)
	}
	if p := parseNSProbe(""); p.proc == nil {
		t.Error("no answer must count as a failed procfs mount")
	}
}
