package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"path/filepath"
	"testing"
)

// copyContext is a context with files to glob, ignore and extract.
func copyContext() map[string]string {
	return map[string]string{
		"a.txt":          "a\n",
		"b.txt":          "b\n",
		"c.log":          "c\n",
		"ignored.txt":    "must not be copied\n",
		"secret/key":     "must not be copied\n",
		"sub/d.txt":      "d\n",
		"sub/deeper/e":   "e\n",
		".dockerignore":  "ignored.txt\nsecret\n",
		"archive.tar.gz": tarGz(map[string]string{"dir/inner.txt": "inner\n"}),
	}
}

func TestCopyAndAdd(t *testing.T) {
	runScenarios(t, []scenario{{
		name: "context files are 0:0 and a missing destination directory is created",
		dockerfile: `FROM busybox
COPY a.txt /new/dir/
`,
		files: copyContext(),
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/new/dir/a.txt", "a\n")
			wantOwner(t, b.files, "/new/dir/a.txt", 0, 0)
			wantOwner(t, b.files, "/new/dir", 0, 0)
		},
	}, {
		name: "--chown by name resolves in the image's passwd, by number as given",
		dockerfile: `FROM busybox
COPY --chown=app a.txt /chown-name/
COPY --chown=app:app b.txt /chown-both/
COPY --chown=1234:2345 a.txt /chown-num/
COPY --chown=app sub /chown-dir/
`,
		files: copyContext(),
		check: func(t *testing.T, b built) {
			wantOwner(t, b.files, "/chown-name/a.txt", 1000, 1000)
			wantOwner(t, b.files, "/chown-both/b.txt", 1000, 1000)
			wantOwner(t, b.files, "/chown-num/a.txt", 1234, 2345)
			wantOwner(t, b.files, "/chown-dir", 1000, 1000) // made by the COPY: its owner too
			wantOwner(t, b.files, "/chown-dir/d.txt", 1000, 1000)
			wantOwner(t, b.files, "/chown-dir/deeper", 1000, 1000)
			wantOwner(t, b.files, "/chown-dir/deeper/e", 1000, 1000)
		},
	}, {
		name: "--chmod sets the mode",
		dockerfile: `FROM busybox
COPY --chmod=0640 a.txt /chmod/a.txt
COPY --chmod=755 b.txt /chmod/b.txt
`,
		files: copyContext(),
		check: func(t *testing.T, b built) {
			wantMode(t, b.files, "/chmod/a.txt", 0o640)
			wantMode(t, b.files, "/chmod/b.txt", 0o755)
		},
	}, {
		name: "globs, directory contents, .dockerignore",
		dockerfile: `FROM busybox
COPY *.txt /glob/
COPY sub /subcontents/
COPY . /ctx/
`,
		files: copyContext(),
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/glob/a.txt", "a\n")
			wantFile(t, b.files, "/glob/b.txt", "b\n")
			wantAbsent(t, b.files, "/glob/c.log")
			wantAbsent(t, b.files, "/glob/ignored.txt")
			wantFile(t, b.files, "/subcontents/d.txt", "d\n")
			wantFile(t, b.files, "/subcontents/deeper/e", "e\n")
			wantAbsent(t, b.files, "/subcontents/sub")
			wantFile(t, b.files, "/ctx/a.txt", "a\n")
			wantFile(t, b.files, "/ctx/sub/d.txt", "d\n")
			wantAbsent(t, b.files, "/ctx/ignored.txt")
			wantAbsent(t, b.files, "/ctx/secret")
		},
	}, {
		name: "<Dockerfile>.dockerignore wins over .dockerignore",
		dockerfile: `FROM busybox
COPY . /ctx/
`,
		files: func() map[string]string {
			f := copyContext()
			f["Dockerfile.dockerignore"] = "a.txt\n"
			return f
		}(),
		check: func(t *testing.T, b built) {
			wantAbsent(t, b.files, "/ctx/a.txt")
			wantFile(t, b.files, "/ctx/ignored.txt", "must not be copied\n")
		},
	}, {
		name: "ADD extracts a local tar.gz, with --chown applied to its entries",
		dockerfile: `FROM busybox
ADD archive.tar.gz /extracted/
ADD --chown=app:app archive.tar.gz /extracted-owned/
COPY archive.tar.gz /copied/
`,
		files: copyContext(),
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/extracted/dir/inner.txt", "inner\n")
			wantAbsent(t, b.files, "/extracted/archive.tar.gz")
			wantOwner(t, b.files, "/extracted/dir/inner.txt", 0, 0)
			wantOwner(t, b.files, "/extracted-owned/dir/inner.txt", 1000, 1000)
			wantPresent(t, b.files, "/copied/archive.tar.gz") // COPY never extracts
		},
	}}, nil)
}

// TestIgnoreFileFlag pins --ignorefile: the named file's patterns apply
// instead of .dockerignore's.
func TestIgnoreFileFlag(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		files := copyContext()
		files["Dockerfile"] = "FROM busybox\nCOPY . /ctx/\n"
		files["custom.ignore"] = "b.txt\n"
		ctx := s.context(t, files)
		id := s.must(t, "bud", "--ignorefile", filepath.Join(ctx, "custom.ignore"), ctx).id(t)
		fs := s.image(t, id).Files()
		wantAbsent(t, fs, "/ctx/b.txt")
		wantFile(t, fs, "/ctx/ignored.txt", "must not be copied\n")
	})
}

// tarGz is a gzip tar of files, owned by root, as a string for a context.
func tarGz(files map[string]string) string {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, content := range files {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg})
		tw.Write([]byte(content))
	}
	tw.Close()
	gz.Close()
	return buf.String()
}
