package sandbox

import (
	"os"
	"slices"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// TestSubIDMapsStackTheRangesAfterTheUser: the user is root, the ranges
// follow one after the other, as containers/storage's re-exec maps them
// (images unpacked before keep their owners), through the setuid tools.
func TestSubIDMapsStackTheRangesAfterTheUser(t *testing.T) {
	sub := []specs.LinuxIDMapping{{HostID: 100000, Size: 65536}, {HostID: 300000, Size: 10}}
	uids, gids := subIDMaps(1001, 1002, sub, sub[:1])
	wantU := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1001, Size: 1}, {ContainerID: 1, HostID: 100000, Size: 65536}, {ContainerID: 65537, HostID: 300000, Size: 10}}
	wantG := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1002, Size: 1}, {ContainerID: 1, HostID: 100000, Size: 65536}}
	if !slices.Equal(uids.ranges, wantU) || !slices.Equal(gids.ranges, wantG) {
		t.Errorf("maps = %v / %v, want %v / %v", uids.ranges, gids.ranges, wantU, wantG)
	}
	if uids.tool != "newuidmap" || gids.tool != "newgidmap" || uids.file != "uid_map" || gids.file != "gid_map" {
		t.Errorf("tools %q %q, files %q %q", uids.tool, gids.tool, uids.file, gids.file)
	}
	if uids.single != os.Geteuid() || gids.single != os.Getegid() {
		t.Errorf("fallback ids %d %d, want this process's %d %d", uids.single, gids.single, os.Geteuid(), os.Getegid())
	}
	// No ranges: the user alone, still through the tools.
	uids, _ = subIDMaps(1001, 1002, nil, nil)
	if !slices.Equal(uids.ranges, wantU[:1]) || uids.tool == "" {
		t.Errorf("without ranges: %+v", uids)
	}
}
