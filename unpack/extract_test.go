package unpack

import (
	"archive/tar"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func addSpec(ctx, dst, dest string, sources ...string) CopySpec {
	s := ctxSpec(ctx, dst, dest, sources...)
	s.Extract = true
	return s
}

func writeArchive(t *testing.T, ctx, name string, b []byte) {
	t.Helper()
	must(t, os.WriteFile(filepath.Join(ctx, name), b, 0o644))
}

func TestAddExtractsTarEntriesWithMetadata(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	writeArchive(t, ctx, "a.tar", tarOf(t,
		entry{Name: "app/", Type: tar.TypeDir, Mode: 0o750, UID: 7, GID: 8},
		entry{Name: "app/bin", Body: "binary", Mode: 0o4755, UID: 7, GID: 8},
		entry{Name: "app/link", Type: tar.TypeSymlink, Link: "bin"},
		entry{Name: "app/hard", Type: tar.TypeLink, Link: "app/bin"},
		entry{Name: "app/pipe", Type: tar.TypeFifo},
		entry{Name: "app/.wh.gone", Body: "whiteouts are plain files in ADD"},
		entry{Name: "dev/null", Type: tar.TypeChar},
		entry{Name: "implicit/deep/f", Body: "f"},
	))
	mustCopy(t, addSpec(ctx, dst, "/opt", "a.tar"))
	root := filepath.Join(dst, "opt")
	assertContent(t, filepath.Join(root, "app/bin"), "binary")
	assertMode(t, filepath.Join(root, "app/bin"), 0o4755)
	assertMode(t, filepath.Join(root, "app"), 0o750)
	if fi, err := os.Stat(filepath.Join(root, "app/bin")); err != nil || !fi.ModTime().Equal(epoch) {
		t.Errorf("mtime not preserved: %v %v", fi, err)
	}
	if got, _ := os.Readlink(filepath.Join(root, "app/link")); got != "bin" {
		t.Errorf("symlink target %q", got)
	}
	if lstat(t, filepath.Join(root, "app/hard")).Ino != lstat(t, filepath.Join(root, "app/bin")).Ino {
		t.Error("hard link not preserved")
	}
	if fi, err := os.Lstat(filepath.Join(root, "app/pipe")); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("fifo not created: %v", err)
	}
	assertContent(t, filepath.Join(root, "app/.wh.gone"), "whiteouts are plain files in ADD")
	assertMissing(t, filepath.Join(root, "dev/null"))
	assertContent(t, filepath.Join(root, "implicit/deep/f"), "f")
	assertMode(t, filepath.Join(root, "implicit"), 0o755)
	assertMissing(t, filepath.Join(dst, "opt/a.tar"))
	if os.Geteuid() == 0 {
		assertOwner(t, filepath.Join(root, "app/bin"), 7, 8)
		assertOwner(t, filepath.Join(root, "app"), 7, 8)
	}
}

func TestAddChownOverridesArchiveOwners(t *testing.T) {
	requireRoot(t)
	ctx, dst := roots(t)
	writeArchive(t, ctx, "a.tar", tarOf(t, entry{Name: "d/", Type: tar.TypeDir, UID: 7}, entry{Name: "d/f", UID: 7, GID: 7}))
	spec := addSpec(ctx, dst, "/x", "a.tar")
	spec.Chown = &Owner{UID: 100, GID: 101}
	mustCopy(t, spec)
	for _, p := range []string{"x", "x/d", "x/d/f"} {
		assertOwner(t, filepath.Join(dst, p), 100, 101)
	}
}

func TestAddDetectsCompressionByContentNotName(t *testing.T) {
	tolerateChown(t)
	plain := tarOf(t, entry{Name: "hello", Body: "world"})
	for name, compress := range map[string]func(*testing.T, []byte) []byte{
		"plain": func(*testing.T, []byte) []byte { return plain },
		"gzip":  gzipOf, "bzip2": bzip2Of, "xz": xzOf, "zstd": zstdOf,
	} {
		t.Run(name, func(t *testing.T) {
			ctx, dst := roots(t)
			writeArchive(t, ctx, "archive.bin", compress(t, plain))
			mustCopy(t, addSpec(ctx, dst, "/out/", "archive.bin"))
			assertContent(t, filepath.Join(dst, "out/hello"), "world")
		})
	}
}

func TestAddCopiesNonArchivesAsFiles(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	gz := gzipOf(t, []byte("not a tar inside"))
	writeArchive(t, ctx, "notes.txt", []byte("just text"))
	writeArchive(t, ctx, "data.gz", gz)
	writeArchive(t, ctx, "empty", nil)
	mustCopy(t, addSpec(ctx, dst, "/out/", "notes.txt", "data.gz", "empty"))
	assertContent(t, filepath.Join(dst, "out/notes.txt"), "just text")
	assertContent(t, filepath.Join(dst, "out/data.gz"), string(gz))
	assertContent(t, filepath.Join(dst, "out/empty"), "")
}

func TestCopyNeverExtractsArchives(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	tb := tarOf(t, entry{Name: "hello", Body: "world"})
	writeArchive(t, ctx, "a.tar", tb)
	mustCopy(t, ctxSpec(ctx, dst, "/out/", "a.tar"))
	assertContent(t, filepath.Join(dst, "out/a.tar"), string(tb))
}

func TestAddRejectsEntryClimbingOutOfDestination(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	out := outsideDir(t, dst)
	writeArchive(t, ctx, "evil.tar", tarOf(t, entry{Name: "../../outside/evil", Body: "x"}))
	err := Copy(addSpec(ctx, dst, "/", "evil.tar"))
	if err == nil || !strings.Contains(err.Error(), "outside the destination") {
		t.Errorf("err = %v", err)
	}
	assertUntouched(t, out)
}

func TestAddTakesAbsoluteEntriesRelativeToDestination(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	writeArchive(t, ctx, "abs.tar", tarOf(t, entry{Name: "/etc/abs", Body: "x"}, entry{Name: "/../../up", Body: "y"}))
	mustCopy(t, addSpec(ctx, dst, "/dest", "abs.tar"))
	assertContent(t, filepath.Join(dst, "dest/etc/abs"), "x")
	assertContent(t, filepath.Join(dst, "dest/up"), "y")
}

func TestAddWriteThroughPlantedSymlinkStaysInsideRoot(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	out := outsideDir(t, dst)
	writeArchive(t, ctx, "evil.tar", tarOf(t,
		entry{Name: "abs", Type: tar.TypeSymlink, Link: out},
		entry{Name: "abs/secret", Body: "pwned"},
		entry{Name: "rel", Type: tar.TypeSymlink, Link: "../../../../../../../../../" + out},
		entry{Name: "rel/evil", Body: "pwned"},
		entry{Name: "file", Type: tar.TypeSymlink, Link: out + "/secret"},
		entry{Name: "file", Body: "replaces the link, not its target"},
	))
	mustCopy(t, addSpec(ctx, dst, "/x", "evil.tar"))
	assertUntouched(t, out)
	assertContent(t, filepath.Join(dst, out, "secret"), "pwned")
	assertContent(t, filepath.Join(dst, out, "evil"), "pwned")
	assertContent(t, filepath.Join(dst, "x/file"), "replaces the link, not its target")
}

func TestAddHardlinkOutsideDestinationIsRejected(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	out := outsideDir(t, dst)
	cases := map[string][]entry{
		"dotdot":  {{Name: "h", Type: tar.TypeLink, Link: "../../outside/secret"}},
		"abs":     {{Name: "h", Type: tar.TypeLink, Link: out + "/secret"}},
		"planted": {{Name: "l", Type: tar.TypeSymlink, Link: out}, {Name: "h", Type: tar.TypeLink, Link: "l/secret"}},
	}
	for name, entries := range cases {
		writeArchive(t, ctx, name+".tar", tarOf(t, entries...))
		if err := Copy(addSpec(ctx, dst, "/x", name+".tar")); err == nil {
			t.Errorf("%s: hard link out of the root was created", name)
		}
	}
	assertUntouched(t, out)
	if n := lstat(t, filepath.Join(out, "secret")).Nlink; n != 1 {
		t.Errorf("host file has %d links", n)
	}
}

func TestAddOfFifoCopiesItWithoutBlocking(t *testing.T) {
	tolerateChown(t)
	stage, dst := roots(t)
	must(t, unixMkfifo(filepath.Join(stage, "pipe")))
	mustCopy(t, CopySpec{SrcRoot: stage, Sources: []string{"/pipe"}, DstRoot: dst, Dest: "/pipe", Extract: true})
	if fi, err := os.Lstat(filepath.Join(dst, "pipe")); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("fifo not copied: %v", err)
	}
}
