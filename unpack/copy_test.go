package unpack

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func ctxSpec(ctx, dst, dest string, sources ...string) CopySpec {
	return CopySpec{SrcRoot: ctx, Sources: sources, DstRoot: dst, Dest: dest, FromContext: true}
}

func TestCopyGlobMatchesEachPathComponent(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"a.txt": "a", "b.txt": "b", "c.md": "c", "src/x.txt": "x", "sub/y.txt": "y", ".hidden.txt": "h"})
	mustCopy(t, ctxSpec(ctx, dst, "/out/", "*.txt"))
	assertContent(t, filepath.Join(dst, "out/a.txt"), "a")
	assertContent(t, filepath.Join(dst, "out/b.txt"), "b")
	assertContent(t, filepath.Join(dst, "out/.hidden.txt"), "h")
	assertMissing(t, filepath.Join(dst, "out/c.md"))

	mustCopy(t, ctxSpec(ctx, dst, "/deep/", "s*/*.txt"))
	assertContent(t, filepath.Join(dst, "deep/x.txt"), "x")
	assertContent(t, filepath.Join(dst, "deep/y.txt"), "y")
}

func TestCopyGlobMatchingNothingNamesThePattern(t *testing.T) {
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"a.txt": "a"})
	err := Copy(ctxSpec(ctx, dst, "/out/", "x*"))
	want := `"x*": no such file or directory in the build context`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
}

func TestCopyNoSourcesIsAnError(t *testing.T) {
	ctx, dst := roots(t)
	if err := Copy(ctxSpec(ctx, dst, "/out/")); err == nil || err.Error() != "no source files were specified" {
		t.Fatalf("err = %v", err)
	}
}

func TestCopyDirectorySourceCopiesItsContents(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"dir/a": "a", "dir/sub/b": "b", "dir/empty/": ""})
	mustCopy(t, ctxSpec(ctx, dst, "/app", "dir"))
	assertContent(t, filepath.Join(dst, "app/a"), "a")
	assertContent(t, filepath.Join(dst, "app/sub/b"), "b")
	assertMissing(t, filepath.Join(dst, "app/dir"))
	if fi, err := os.Stat(filepath.Join(dst, "app/empty")); err != nil || !fi.IsDir() {
		t.Errorf("empty directory not copied: %v", err)
	}
}

func TestCopyFileToTrailingSlashGoesInside(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"f.txt": "f"})
	mustCopy(t, ctxSpec(ctx, dst, "/new/dir/", "f.txt"))
	assertContent(t, filepath.Join(dst, "new/dir/f.txt"), "f")
	assertMode(t, filepath.Join(dst, "new"), 0o755)
	assertMode(t, filepath.Join(dst, "new/dir"), 0o755)
}

func TestCopyFileToExistingDirectoryGoesInside(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"f.txt": "f"})
	tree(t, dst, map[string]string{"etc/": ""})
	mustCopy(t, ctxSpec(ctx, dst, "/etc", "f.txt"))
	assertContent(t, filepath.Join(dst, "etc/f.txt"), "f")
}

func TestCopyFileToNewPathRenamesIt(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"f.txt": "f"})
	mustCopy(t, ctxSpec(ctx, dst, "/opt/renamed", "f.txt"))
	assertContent(t, filepath.Join(dst, "opt/renamed"), "f")
}

func TestCopyFileOverwritesExistingFile(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"f.txt": "new"})
	tree(t, dst, map[string]string{"f.txt": "old", "other": "old"})
	// A hard link in the destination must not be written through.
	if err := os.Remove(filepath.Join(dst, "f.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(dst, "other"), filepath.Join(dst, "f.txt")); err != nil {
		t.Fatal(err)
	}
	mustCopy(t, ctxSpec(ctx, dst, "/f.txt", "f.txt"))
	assertContent(t, filepath.Join(dst, "f.txt"), "new")
	assertContent(t, filepath.Join(dst, "other"), "old")
}

func TestCopyManySourcesNeedADestinationEndingInSlash(t *testing.T) {
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"a.txt": "a", "b.txt": "b"})
	want := "When using COPY with more than one source file, the destination must be a directory and end with a /"
	for _, sources := range [][]string{{"a.txt", "b.txt"}, {"*.txt"}} {
		err := Copy(ctxSpec(ctx, dst, "/out", sources...))
		if err == nil || err.Error() != want {
			t.Errorf("%v: err = %v", sources, err)
		}
		if _, err := Digest(ctxSpec(ctx, dst, "/out", sources...)); err == nil {
			t.Errorf("%v: Digest accepted it", sources)
		}
	}
}

func TestCopyMissingSourceErrorNamesSourceAndTree(t *testing.T) {
	ctx, dst := roots(t)
	err := Copy(ctxSpec(ctx, dst, "/", "missing.txt"))
	if err == nil || err.Error() != `"missing.txt": no such file or directory in the build context` {
		t.Errorf("context: err = %v", err)
	}
	err = Copy(CopySpec{SrcRoot: ctx, Sources: []string{"/out/app"}, DstRoot: dst, Dest: "/"})
	if err == nil || err.Error() != `"/out/app": no such file or directory in stage rootfs` {
		t.Errorf("--from: err = %v", err)
	}
}

func TestCopyDockerignoreExcludesWithExceptions(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{
		"main.go": "m", "debug.log": "l", "sub/trace.log": "t",
		"docs/keep.md": "k", "docs/drop.md": "d", "secret/key": "s",
	})
	spec := ctxSpec(ctx, dst, "/app", ".")
	spec.Excludes = []string{"**/*.log", "docs", "!docs/keep.md", "secret"}
	mustCopy(t, spec)
	assertContent(t, filepath.Join(dst, "app/main.go"), "m")
	assertContent(t, filepath.Join(dst, "app/docs/keep.md"), "k")
	for _, gone := range []string{"debug.log", "sub/trace.log", "docs/drop.md", "secret"} {
		assertMissing(t, filepath.Join(dst, "app", gone))
	}

	spec.Sources = []string{"debug.log"}
	if err := Copy(spec); err == nil || !strings.Contains(err.Error(), "no such file or directory in the build context") {
		t.Errorf("ignored file copied by name: err = %v", err)
	}
}

func TestCopyChownOwnsFilesDirsAndDestButNotParents(t *testing.T) {
	requireRoot(t)
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"dir/a": "a", "dir/sub/b": "b"})
	spec := ctxSpec(ctx, dst, "/srv/app", "dir")
	spec.Chown = &Owner{UID: 1000, GID: 1001}
	mustCopy(t, spec)
	for _, p := range []string{"srv/app", "srv/app/a", "srv/app/sub", "srv/app/sub/b"} {
		assertOwner(t, filepath.Join(dst, p), 1000, 1001)
	}
	assertOwner(t, filepath.Join(dst, "srv"), 0, 0)
}

func TestCopyFromContextDefaultsToRootOwnership(t *testing.T) {
	requireRoot(t)
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"f": "f"})
	if err := os.Lchown(filepath.Join(ctx, "f"), 1234, 5678); err != nil {
		t.Fatal(err)
	}
	mustCopy(t, ctxSpec(ctx, dst, "/", "f"))
	assertOwner(t, filepath.Join(dst, "f"), 0, 0)
}

func TestCopyFromStagePreservesOwnership(t *testing.T) {
	requireRoot(t)
	stage, dst := roots(t)
	tree(t, stage, map[string]string{"out/app": "bin", "out/link": "->app"})
	for _, p := range []string{"out", "out/app", "out/link"} {
		if err := os.Lchown(filepath.Join(stage, p), 1234, 5678); err != nil {
			t.Fatal(err)
		}
	}
	mustCopy(t, CopySpec{SrcRoot: stage, Sources: []string{"/out"}, DstRoot: dst, Dest: "/usr/local/bin/"})
	assertOwner(t, filepath.Join(dst, "usr/local/bin/app"), 1234, 5678)
	assertOwner(t, filepath.Join(dst, "usr/local/bin/link"), 1234, 5678)
	assertOwner(t, filepath.Join(dst, "usr/local/bin"), 0, 0)
}

func TestCopyChmodAppliesToFilesAndDirectories(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"d/f": "f", "d/sub/g": "g", "d/link": "->f"})
	spec := ctxSpec(ctx, dst, "/x", "d")
	mode := os.FileMode(0o4750)
	spec.Chmod = &mode
	mustCopy(t, spec)
	assertMode(t, filepath.Join(dst, "x/f"), 0o4750)
	assertMode(t, filepath.Join(dst, "x/sub"), 0o4750&0o777|0o4000)
	assertMode(t, filepath.Join(dst, "x/sub/g"), 0o4750)
	if target, err := os.Readlink(filepath.Join(dst, "x/link")); err != nil || target != "f" {
		t.Errorf("symlink after chmod: %q, %v", target, err)
	}
}

func TestCopyPreservesModeBitsAndTimes(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"d/suid": "s", "d/tmp/x": "x", "d/link": "->suid"})
	must(t, os.Chmod(filepath.Join(ctx, "d/suid"), 0o4755|os.ModeSetuid))
	must(t, os.Chmod(filepath.Join(ctx, "d/tmp"), 0o777|os.ModeSticky))
	for _, p := range []string{"d/suid", "d/tmp/x", "d/tmp"} {
		must(t, os.Chtimes(filepath.Join(ctx, p), epoch, epoch))
	}
	mustCopy(t, ctxSpec(ctx, dst, "/", "d"))
	assertMode(t, filepath.Join(dst, "suid"), 0o4755)
	assertMode(t, filepath.Join(dst, "tmp"), 0o1777)
	for _, p := range []string{"suid", "tmp/x", "tmp"} {
		fi, err := os.Lstat(filepath.Join(dst, p))
		if err != nil || !fi.ModTime().Equal(epoch) {
			t.Errorf("%s mtime = %v (%v), want %v", p, fi.ModTime(), err, epoch)
		}
	}
}

func TestCopyHardlinksStayHardlinks(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"d/a": "same"})
	must(t, os.Link(filepath.Join(ctx, "d/a"), filepath.Join(ctx, "d/b")))
	mustCopy(t, ctxSpec(ctx, dst, "/x", "d"))
	a, b := lstat(t, filepath.Join(dst, "x/a")), lstat(t, filepath.Join(dst, "x/b"))
	if a.Ino != b.Ino {
		t.Errorf("x/a and x/b are different inodes; hard link lost")
	}
	assertContent(t, filepath.Join(dst, "x/b"), "same")
}

func TestCopySymlinkInTreeIsCopiedAsLink(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"d/abs": "->/etc/passwd", "d/rel": "->../outside"})
	mustCopy(t, ctxSpec(ctx, dst, "/x", "d"))
	for name, want := range map[string]string{"abs": "/etc/passwd", "rel": "../outside"} {
		if got, err := os.Readlink(filepath.Join(dst, "x", name)); err != nil || got != want {
			t.Errorf("%s -> %q (%v), want %q", name, got, err, want)
		}
	}
}

func TestCopyTopLevelSymlinkIsFollowedAndKeepsItsName(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"real.txt": "real", "link.txt": "->real.txt", "dirlink": "->d", "d/in": "in"})
	mustCopy(t, ctxSpec(ctx, dst, "/out/", "link.txt", "dirlink"))
	assertContent(t, filepath.Join(dst, "out/link.txt"), "real")
	assertContent(t, filepath.Join(dst, "out/in"), "in")
}

func TestCopyXattrsAreCopied(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"f": "f"})
	if err := setXattrPath(filepath.Join(ctx, "f"), "user.stagebox", "yes"); err != nil {
		t.Skipf("filesystem lacks user xattrs: %v", err)
	}
	mustCopy(t, ctxSpec(ctx, dst, "/", "f"))
	if got, err := getXattrPath(filepath.Join(dst, "f"), "user.stagebox"); err != nil || got != "yes" {
		t.Errorf("user.stagebox = %q, %v", got, err)
	}
}

func TestCopyFileCapabilitySurvivesChown(t *testing.T) {
	requireRoot(t)
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"ping": "p"})
	// VFS_CAP_REVISION_2 with cap_net_raw (bit 13) permitted and effective.
	capv2 := []byte{0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	if err := setXattrPath(filepath.Join(ctx, "ping"), "security.capability", string(capv2)); err != nil {
		t.Skipf("cannot set file capabilities here: %v", err)
	}
	spec := ctxSpec(ctx, dst, "/bin/", "ping")
	spec.Chown = &Owner{UID: 1, GID: 1}
	mustCopy(t, spec)
	if got, err := getXattrPath(filepath.Join(dst, "bin/ping"), "security.capability"); err != nil || got != string(capv2) {
		t.Errorf("security.capability = %x, %v", got, err)
	}
}

func TestCopyIntoDestinationRootItself(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"a": "a"})
	mustCopy(t, ctxSpec(ctx, dst, "/", "."))
	assertContent(t, filepath.Join(dst, "a"), "a")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
