package lockdown

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestUsernsRemapNamesSubIDsOutsideTheMap: in a remapped container only ids
// 0-65535 exist, so the conventional range 100000:65536 (useradd's
// default) cannot be mapped; info names the cause, and stagebox still works.
func TestUsernsRemapNamesSubIDsOutsideTheMap(t *testing.T) {
	d := needDocker(t)
	ranges := filepath.Join(workDir, "subid-outside")
	if err := os.WriteFile(ranges, []byte("build:100000:65536\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, _ := configByName("userns-remap")
	c.name = "userns-remap-wide-subids"
	c.flags = join(c.flags, []string{"-v", ranges + ":/etc/subuid:ro", "-v", ranges + ":/etc/subgid:ro"})
	ct := startContainer(t, remapDaemon(t, d), c, writeContexts(t))
	info := readInfo(t, ct)
	if ids := info.CauseIDs(); !slices.Contains(ids, "subid-outside-map") {
		t.Errorf("info does not name subid-outside-map; it names %q", ids)
	}
	ct.must(t, "pull", "-q", "oci:"+fixturesMount+"/busybox:latest")
}
