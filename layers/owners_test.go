package layers

import (
	"archive/tar"
	"bytes"
	"io"
	"testing"
)

// Under proot as non-root, a pulled layer is unpacked with every file the
// caller's and writable by it, the real owner, mode and type kept aside;
// diffing it back must give the tar the image had.
func TestOwnersSurviveTheCallersDisk(t *testing.T) {
	orig := []tar.Header{
		{Name: "etc/", Typeflag: tar.TypeDir, Mode: 0o555, Uid: 0, Gid: 0},
		{Name: "etc/shadow", Typeflag: tar.TypeReg, Mode: 0o640, Uid: 0, Gid: 42},
		{Name: "usr/bin/su", Typeflag: tar.TypeReg, Mode: 0o4755, Uid: 0, Gid: 0},
		{Name: "home/app/", Typeflag: tar.TypeDir, Mode: 0o1700, Uid: 1234, Gid: 5678},
		{Name: "dev/null", Typeflag: tar.TypeChar, Mode: 0o666, Devmajor: 1, Devminor: 3},
		{Name: "sh", Typeflag: tar.TypeSymlink, Linkname: "busybox", Mode: 0o777},
	}
	var in bytes.Buffer
	tw := tar.NewWriter(&in)
	for i := range orig {
		h := orig[i]
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()

	var onDisk bytes.Buffer
	if err := rewriteTar(&in, &onDisk, func(h *tar.Header) { asCaller(h, 1001, 1001) }); err != nil {
		t.Fatal(err)
	}
	disk := readHeaders(t, &onDisk)
	for _, h := range disk {
		if h.Typeflag == tar.TypeSymlink {
			continue
		}
		if h.Uid != 1001 || h.Gid != 1001 || h.Mode&0o600 != 0o600 || h.Typeflag == tar.TypeChar {
			t.Errorf("on disk %s: %d:%d mode %o type %c; want the caller's, owner-writable, no device", h.Name, h.Uid, h.Gid, h.Mode, h.Typeflag)
		}
	}

	var back bytes.Buffer
	tw = tar.NewWriter(&back)
	for _, h := range disk {
		h.Uid, h.Gid = 0, 0 // storage maps the caller back to root
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	var out bytes.Buffer
	if err := rewriteTar(&back, &out, applyOwnerXattr); err != nil {
		t.Fatal(err)
	}
	for i, h := range readHeaders(t, &out) {
		o := orig[i]
		if h.Uid != o.Uid || h.Gid != o.Gid || h.Mode != o.Mode || h.Typeflag != o.Typeflag || h.Devmajor != o.Devmajor || h.Devminor != o.Devminor {
			t.Errorf("%s back in a layer: %d:%d mode %o type %c dev %d,%d; want %d:%d mode %o type %c dev %d,%d",
				h.Name, h.Uid, h.Gid, h.Mode, h.Typeflag, h.Devmajor, h.Devminor, o.Uid, o.Gid, o.Mode, o.Typeflag, o.Devmajor, o.Devminor)
		}
		if _, ok := h.PAXRecords[overrideKey]; ok {
			t.Errorf("%s: the override xattr leaked into the layer", h.Name)
		}
	}
}

func readHeaders(t *testing.T, r io.Reader) []*tar.Header {
	t.Helper()
	var hs []*tar.Header
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return hs
		}
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
	}
}
