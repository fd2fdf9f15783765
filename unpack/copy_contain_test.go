package unpack

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// outsideDir is a directory beside the roots that no copy may touch.
func outsideDir(t *testing.T, dst string) string {
	t.Helper()
	out := filepath.Join(filepath.Dir(dst), "outside")
	must(t, os.MkdirAll(out, 0o755))
	must(t, os.WriteFile(filepath.Join(out, "secret"), []byte("host secret"), 0o600))
	return out
}

func assertUntouched(t *testing.T, out string) {
	t.Helper()
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "secret" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("outside directory now holds %v", names)
	}
	assertContent(t, filepath.Join(out, "secret"), "host secret")
}

func TestCopyThroughAbsoluteDestinationSymlinkStaysInsideRoot(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	out := outsideDir(t, dst)
	tree(t, ctx, map[string]string{"f": "payload", "d/g": "payload"})
	// Inside the image /dest points at an absolute path that also exists on the host.
	must(t, os.Symlink(out, filepath.Join(dst, "dest")))
	mustCopy(t, ctxSpec(ctx, dst, "/dest/", "f"))
	mustCopy(t, ctxSpec(ctx, dst, "/dest/secret", "f"))
	mustCopy(t, ctxSpec(ctx, dst, "/dest/sub", "d"))
	assertUntouched(t, out)
	assertContent(t, filepath.Join(dst, out, "f"), "payload")
	assertContent(t, filepath.Join(dst, out, "secret"), "payload")
	assertContent(t, filepath.Join(dst, out, "sub/g"), "payload")
}

func TestCopyOverDestinationSymlinkReplacesTheLink(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	out := outsideDir(t, dst)
	tree(t, ctx, map[string]string{"secret": "payload"})
	must(t, os.Symlink("../outside/secret", filepath.Join(dst, "secret")))
	mustCopy(t, ctxSpec(ctx, dst, "/", "secret"))
	assertUntouched(t, out)
	if fi, err := os.Lstat(filepath.Join(dst, "secret")); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("symlink not replaced by a file: %v %v", fi, err)
	}
}

func TestCopyDirectoryMergesThroughDestinationDirSymlink(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"rootfs/bin/tool": "t"})
	tree(t, dst, map[string]string{"usr/bin/": ""})
	must(t, os.Symlink("/usr/bin", filepath.Join(dst, "bin")))
	mustCopy(t, ctxSpec(ctx, dst, "/", "rootfs"))
	assertContent(t, filepath.Join(dst, "usr/bin/tool"), "t")
}

func TestCopyContextSymlinkToHostFileIsNotRead(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	out := outsideDir(t, dst)
	tree(t, ctx, map[string]string{
		"abs":  "->" + filepath.Join(out, "secret"),
		"rel":  "->../outside/secret",
		"pw":   "->/etc/passwd",
		"dir":  "->" + out,
		"dots": "->../../../../../../../../etc",
	})
	for _, src := range []string{"abs", "rel", "pw", "dir/secret", "dots/passwd"} {
		err := Copy(ctxSpec(ctx, dst, "/got", src))
		if err == nil || !strings.Contains(err.Error(), "no such file or directory in the build context") {
			t.Errorf("COPY %s: err = %v, want not found", src, err)
		}
		if _, err := Digest(ctxSpec(ctx, dst, "/got", src)); err == nil {
			t.Errorf("Digest %s read through a symlink out of the context", src)
		}
	}
	assertMissing(t, filepath.Join(dst, "got"))
}

func TestCopySourceSymlinkResolvesInsideStageRoot(t *testing.T) {
	tolerateChown(t)
	stage, dst := roots(t)
	// An absolute link in a stage rootfs means the stage's own file.
	tree(t, stage, map[string]string{"bin/busybox": "bb", "bin/sh": "->/bin/busybox"})
	mustCopy(t, CopySpec{SrcRoot: stage, Sources: []string{"/bin/sh"}, DstRoot: dst, Dest: "/sh"})
	assertContent(t, filepath.Join(dst, "sh"), "bb")
}

// A source climbing above the context is clamped to it, as docker does:
// "../outside/secret" is the context's own outside/secret, never the
// directory beside it.
func TestCopyDotDotSourceStaysInTheContext(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	out := outsideDir(t, dst)
	for _, src := range []string{"../outside/secret", "a/../../outside/secret"} {
		err := Copy(ctxSpec(ctx, dst, "/got", src))
		if err == nil || !strings.Contains(err.Error(), "no such file or directory in the build context") {
			t.Errorf("COPY %s: err = %v", src, err)
		}
	}
	assertMissing(t, filepath.Join(dst, "got"))
	tree(t, ctx, map[string]string{"outside/secret": "ctx"})
	mustCopy(t, ctxSpec(ctx, dst, "/got", "../outside/secret"))
	assertContent(t, filepath.Join(dst, "got"), "ctx")
	assertUntouched(t, out)
}

func TestCopyIntoDanglingDestinationSymlinkCreatesTargetInsideRoot(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	out := outsideDir(t, dst)
	tree(t, ctx, map[string]string{"f": "f"})
	must(t, os.Symlink(filepath.Join(out, "newdir"), filepath.Join(dst, "d")))
	must(t, os.Symlink("../../../../../../../../"+out+"/other", filepath.Join(dst, "e")))
	mustCopy(t, ctxSpec(ctx, dst, "/d/", "f"))
	mustCopy(t, ctxSpec(ctx, dst, "/e/sub/", "f"))
	assertUntouched(t, out)
	assertContent(t, filepath.Join(dst, out, "newdir/f"), "f")
	assertContent(t, filepath.Join(dst, out, "other/sub/f"), "f")
}

func TestCopyIntoSymlinkLoopFails(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	tree(t, ctx, map[string]string{"f": "f"})
	must(t, os.Symlink("/b", filepath.Join(dst, "a")))
	must(t, os.Symlink("/a", filepath.Join(dst, "b")))
	if err := Copy(ctxSpec(ctx, dst, "/a/", "f")); err == nil {
		t.Error("copy into a symlink loop succeeded")
	}
}
