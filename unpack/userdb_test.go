package unpack

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func userRoot(t *testing.T) string {
	root := t.TempDir()
	tree(t, root, map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
		"etc/group":  "root:x:0:\napp:x:1000:\nextra:x:2000:app\nother:x:3000:nobody,app\n",
	})
	return root
}

func TestResolveUserByNameTakesPrimaryAndSupplementaryGroups(t *testing.T) {
	u, err := ResolveUser(userRoot(t), "app")
	if err != nil {
		t.Fatal(err)
	}
	want := User{UID: 1000, GID: 1000, Groups: []int{2000, 3000}, Home: "/home/app"}
	if !reflect.DeepEqual(u, want) {
		t.Errorf("got %+v, want %+v", u, want)
	}
}

func TestResolveUserSpecs(t *testing.T) {
	root := userRoot(t)
	for spec, want := range map[string]User{
		"1000":       {UID: 1000, GID: 1000, Groups: []int{2000, 3000}, Home: "/home/app"},
		"app:extra":  {UID: 1000, GID: 2000, Groups: []int{}, Home: "/home/app"},
		"app:42":     {UID: 1000, GID: 42, Groups: []int{}, Home: "/home/app"},
		"4242":       {UID: 4242, GID: 0, Groups: []int{}, Home: "/"},
		"4242:3000":  {UID: 4242, GID: 3000, Groups: []int{}, Home: "/"},
		"root":       {UID: 0, GID: 0, Groups: []int{}, Home: "/root"},
		"4242:other": {UID: 4242, GID: 3000, Groups: []int{}, Home: "/"},
	} {
		got, err := ResolveUser(root, spec)
		if err != nil {
			t.Errorf("%s: %v", spec, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %+v, want %+v", spec, got, want)
		}
	}
}

func TestResolveUserUnknownNamesFail(t *testing.T) {
	root := userRoot(t)
	_, err := ResolveUser(root, "ghost")
	if err == nil || err.Error() != "unable to find user ghost: no matching entries in passwd file" {
		t.Errorf("unknown user: %v", err)
	}
	if _, err := ResolveUser(root, "app:ghosts"); err == nil {
		t.Error("unknown group accepted")
	}
}

func TestResolveUserWithoutEtcFilesAcceptsNumbersOnly(t *testing.T) {
	root := t.TempDir()
	u, err := ResolveUser(root, "10:20")
	if err != nil || u.UID != 10 || u.GID != 20 {
		t.Errorf("numeric ids: %+v, %v", u, err)
	}
	if _, err := ResolveUser(root, "app"); err == nil {
		t.Error("a name resolved without /etc/passwd")
	}
}

func TestResolveUserReadsPasswdInsideRootNotHost(t *testing.T) {
	root := t.TempDir()
	// /etc -> /etc must mean the image's /etc, which here is empty.
	must(t, os.Symlink("/etc", filepath.Join(root, "etc")))
	if _, err := ResolveUser(root, "root"); err == nil {
		t.Error("resolved root through the host's /etc/passwd")
	}
}

func TestResolveUserRefusesMalformedSpecs(t *testing.T) {
	root := userRoot(t)
	for _, spec := range []string{"1:2:3", "app:app:app", "::", ""} {
		if u, err := ResolveUser(root, spec); err == nil {
			t.Errorf("%q accepted as %+v", spec, u)
		}
	}
}
