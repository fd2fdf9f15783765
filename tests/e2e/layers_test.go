package e2e

import (
	"archive/tar"
	"fmt"
	"strings"
	"testing"

	"github.com/stagebox/stagebox/tests/ocidir"
)

func TestLayerContents(t *testing.T) {
	runScenarios(t, []scenario{{
		name: "RUN rm of a base file and directory commits OCI .wh. whiteouts",
		dockerfile: `FROM busybox
RUN rm /bin/wc && rm -rf /home/app
`,
		check: func(t *testing.T, b built) {
			top := b.img.Layers[len(b.img.Layers)-1]
			wantWhiteout(t, top, "bin/.wh.wc")
			wantWhiteout(t, top, "home/.wh.app")
			wantAbsent(t, b.files, "/bin/wc")
			wantAbsent(t, b.files, "/home/app")
			wantPresent(t, b.files, "/bin/ls")
			for _, e := range top.Entries {
				if e.Typeflag == tar.TypeChar {
					t.Errorf("%s: an overlay whiteout device leaked into the layer", e.Name)
				}
			}
		},
	}, {
		name: "a directory removed and remade hides the old content",
		dockerfile: `FROM busybox
RUN mkdir /opaque && touch /opaque/old
RUN rm -rf /opaque && mkdir /opaque && touch /opaque/new
`,
		check: func(t *testing.T, b built) {
			wantAbsent(t, b.files, "/opaque/old")
			wantPresent(t, b.files, "/opaque/new")
		},
	}, {
		name: "files keep in-image owners: 0:0 for root's, even rootless",
		dockerfile: `FROM busybox
RUN touch /by-root && mkdir /dir-by-root && touch /chowned && chown 1234:5678 /chowned
USER app
RUN touch /tmp/by-app
`,
		check: func(t *testing.T, b built) {
			run := b.img.Layers[len(b.img.Layers)-2]
			for _, e := range run.Entries {
				name := ocidir.Clean(e.Name)
				if name == "chowned" {
					continue
				}
				if e.Uid != 0 || e.Gid != 0 {
					t.Errorf("%s in the RUN layer owned by %d:%d, want 0:0", name, e.Uid, e.Gid)
				}
			}
			wantOwner(t, b.files, "/by-root", 0, 0)
			wantOwner(t, b.files, "/dir-by-root", 0, 0)
			wantOwner(t, b.files, "/chowned", 1234, 5678)
			wantOwner(t, b.files, "/tmp/by-app", 1000, 1000)
			wantOwner(t, b.files, "/tmp", 0, 0)
			wantMode(t, b.files, "/tmp", 0o1777)
		},
	}, {
		// Past a page of lower directories, storage's overlay driver would
		// start the binary again to mount; stagebox mounts the stack itself.
		name:       "a stack deeper than a page of mount options keeps whiteouts and opaque directories",
		dockerfile: deepStackDockerfile(60),
		check: func(t *testing.T, b built) {
			top := b.img.Layers[len(b.img.Layers)-1]
			wantWhiteout(t, top, "bin/.wh.wc")
			wantAbsent(t, b.files, "/opaque/s1")
			wantPresent(t, b.files, "/opaque/new")
			wantPresent(t, b.files, "/s1")
			wantPresent(t, b.files, "/s60")
		},
	}, {
		name:       "layers are gzip tar",
		dockerfile: "FROM busybox\nRUN echo x > /x\n",
		check: func(t *testing.T, b built) {
			for i, l := range b.img.Layers {
				if !l.Compressed() || !strings.Contains(l.Descriptor.MediaType, "tar") {
					t.Errorf("layer %d has media type %q, want gzip tar", i, l.Descriptor.MediaType)
				}
			}
		},
	}}, nil)
}

// deepStackDockerfile writes n one-file RUN steps, then removes a base
// file and remakes a directory the first steps filled.
func deepStackDockerfile(n int) string {
	var b strings.Builder
	b.WriteString("FROM busybox\nRUN mkdir /opaque\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "RUN echo %d > /s%d && cp /s%d /opaque/\n", i, i, i)
	}
	b.WriteString("RUN rm /bin/wc && rm -rf /opaque && mkdir /opaque && touch /opaque/new\n")
	return b.String()
}

func wantWhiteout(t *testing.T, l ocidir.Layer, name string) {
	t.Helper()
	e, ok := l.Find(name)
	if !ok {
		var names []string
		for _, e := range l.Entries {
			names = append(names, e.Name)
		}
		t.Errorf("no %s whiteout in the layer; it has %q", name, names)
		return
	}
	if e.Typeflag != tar.TypeReg || e.Size != 0 {
		t.Errorf("%s: type %c size %d, want an empty regular file", name, e.Typeflag, e.Size)
	}
}
