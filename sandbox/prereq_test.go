package sandbox

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/sys/capability"
	"github.com/opencontainers/runtime-spec/specs-go"
)

// fakeHost is a host where everything works unless a test breaks it.
func fakeHost(t *testing.T, sysctls map[string]string) hostProbe {
	t.Helper()
	proc := t.TempDir()
	for name, v := range sysctls {
		path := filepath.Join(proc, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		mustWrite(t, path, v+"\n", 0o644)
	}
	return hostProbe{
		procRoot: proc,
		lookPath: func(name string) (string, error) { return "/usr/bin/" + name, nil },
		isSetID:  func(string, os.FileMode, capability.Cap) (bool, error) { return true, nil },
		subIDs: func(string) ([]specs.LinuxIDMapping, []specs.LinuxIDMapping, error) {
			r := []specs.LinuxIDMapping{{HostID: 100000, Size: 65536}}
			return r, r, nil
		},
	}
}

func TestCheckHealthyHostHasNoProblems(t *testing.T) {
	h := fakeHost(t, map[string]string{
		"sys/user/max_user_namespaces":                     "1000",
		"sys/kernel/unprivileged_userns_clone":             "1",
		"sys/kernel/apparmor_restrict_unprivileged_userns": "0",
	})
	if probs := h.check("alice"); len(probs) != 0 {
		t.Fatalf("problems on a healthy host: %v", probs)
	}
	if err := fatalError(nil); err != nil {
		t.Fatal(err)
	}
}

func TestCheckDisabledUserNamespacesNameTheSysctl(t *testing.T) {
	for knob, want := range map[string]string{
		"sys/user/max_user_namespaces":                     "sysctl -w user.max_user_namespaces=",
		"sys/kernel/unprivileged_userns_clone":             "sysctl -w kernel.unprivileged_userns_clone=1",
		"sys/kernel/apparmor_restrict_unprivileged_userns": "apparmor_restrict_unprivileged_userns=0",
	} {
		v := "0"
		if strings.Contains(knob, "apparmor") {
			v = "1"
		}
		err := fatalError(fakeHost(t, map[string]string{knob: v}).check("alice"))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s=%s: error %v, want it to say %q", knob, v, err, want)
		}
	}
}

func TestCheckMissingNewuidmapForcesASingleIDAndSaysWhatToInstall(t *testing.T) {
	h := fakeHost(t, nil)
	h.lookPath = func(name string) (string, error) {
		if name == "newuidmap" {
			return "", errors.New("not found")
		}
		return "/usr/bin/" + name, nil
	}
	probs := h.check("alice")
	if err := fatalError(probs); err != nil {
		t.Fatalf("missing newuidmap is fatal (%v); the user alone can still be mapped", err)
	}
	p, ok := mapToolProblem(probs)
	if !ok || !strings.Contains(p.String(), "newuidmap is not installed") || !strings.Contains(p.String(), "apt-get install uidmap") {
		t.Fatalf("problems %v, want cause and install command", probs)
	}
}

func TestCheckNewgidmapWithoutPrivilegeForcesASingleID(t *testing.T) {
	h := fakeHost(t, nil)
	h.isSetID = func(path string, _ os.FileMode, _ capability.Cap) (bool, error) {
		return !strings.HasSuffix(path, "newgidmap"), nil
	}
	p, ok := mapToolProblem(h.check("alice"))
	if !ok || p.fatal || !strings.Contains(p.String(), "chmod u+s /usr/bin/newgidmap") {
		t.Fatalf("problem %v, want the chmod fix", p)
	}
}

func TestCheckNoSubIDsIsAWarningWithTheUsermodFix(t *testing.T) {
	h := fakeHost(t, nil)
	h.subIDs = func(string) ([]specs.LinuxIDMapping, []specs.LinuxIDMapping, error) {
		return nil, nil, errors.New("no subuid ranges found")
	}
	probs := h.check("alice")
	if len(probs) != 1 || probs[0].fatal {
		t.Fatalf("problems %v, want one non-fatal", probs)
	}
	want := "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 alice"
	if !strings.Contains(probs[0].String(), want) {
		t.Fatalf("%q lacks %q", probs[0], want)
	}
}

func TestCheckSmallSubIDRangeIsAWarning(t *testing.T) {
	h := fakeHost(t, nil)
	h.subIDs = func(string) ([]specs.LinuxIDMapping, []specs.LinuxIDMapping, error) {
		r := []specs.LinuxIDMapping{{HostID: 100000, Size: 1000}}
		return r, r, nil
	}
	probs := h.check("alice")
	if len(probs) != 1 || probs[0].fatal || !strings.Contains(probs[0].cause, "only 1000") {
		t.Fatalf("problems %v, want one warning about 1000 ids", probs)
	}
}
