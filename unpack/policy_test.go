package unpack

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"go.podman.io/image/v5/types"
)

func allowed(t *testing.T, sys *types.SystemContext) bool {
	t.Helper()
	pc, err := PolicyContextFor(sys)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Destroy()
	ref, err := ParseReference("busybox")
	if err != nil {
		t.Fatal(err)
	}
	ok, _ := pc.IsRunningImageAllowed(context.Background(), unparsedStub{ref})
	return ok
}

// unparsedStub is an image whose manifest is never needed: the policies
// under test decide on the reference alone.
type unparsedStub struct{ ref types.ImageReference }

func (u unparsedStub) Reference() types.ImageReference { return u.ref }
func (u unparsedStub) Manifest(context.Context) ([]byte, string, error) {
	return nil, "", errors.New("no manifest in this test")
}
func (u unparsedStub) Signatures(context.Context) ([][]byte, error) { return nil, nil }

func TestPolicyWithoutPolicyJSONAcceptsAnything(t *testing.T) {
	root := t.TempDir()
	t.Setenv("HOME", root)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(root, ".config"))
	if !allowed(t, &types.SystemContext{RootForImplicitAbsolutePaths: root}) {
		t.Error("no policy.json: image refused, want accept-anything")
	}
}

func TestPolicyJSONIsHonoured(t *testing.T) {
	root := t.TempDir()
	t.Setenv("HOME", root)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(root, ".config"))
	path := filepath.Join(root, "etc/containers/policy.json")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(`{"default":[{"type":"reject"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if allowed(t, &types.SystemContext{RootForImplicitAbsolutePaths: root}) {
		t.Error("reject policy.json: image allowed")
	}
}
