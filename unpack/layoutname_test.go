package unpack

import (
	"slices"
	"testing"

	"go.podman.io/image/v5/oci/archive"
	"go.podman.io/image/v5/oci/layout"
)

func TestLayoutNamesNameTheImageAfterTheLayout(t *testing.T) {
	for _, c := range []struct {
		archive   bool
		path, ref string
		want      []string
	}{
		{false, "/tmp/busybox", "latest", []string{"localhost/busybox:latest"}},
		{false, "/tmp/My App_1", "1.2", []string{"localhost/my-app_1:1.2"}},
		{true, "/tmp/golang.tar", "v1", []string{"localhost/golang:v1"}},
		{false, "/tmp/x", "base", []string{"localhost/x:base"}},
		{false, "/tmp/x", "base:2", []string{"localhost/base:2"}},
		{false, "/tmp/x", "quay.io/a/b:3", []string{"quay.io/a/b:3"}},
		{false, "/tmp/x", "", nil},
		{false, "/tmp/___", "latest", nil},
	} {
		var name string
		if c.ref != "" {
			name = c.path + ":" + c.ref
		} else {
			name = c.path
		}
		var err error
		var got []string
		if c.archive {
			ref, perr := archive.ParseReference(name)
			if perr != nil {
				t.Fatal(perr)
			}
			got, err = layoutNames(ref)
		} else {
			ref, perr := layout.ParseReference(name)
			if perr != nil {
				t.Fatal(perr)
			}
			got, err = layoutNames(ref)
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("oci:%s names %q (%v), want %q", name, got, err, c.want)
		}
	}
}
