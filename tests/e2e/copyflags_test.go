package e2e

import (
	"testing"
)

// TestCopyExcludeAndParents pins COPY --exclude (patterns below each
// source, apart from .dockerignore) and --parents (source paths kept, with
// the "/./" pivot and `**`).
func TestCopyExcludeAndParents(t *testing.T) {
	files := map[string]string{
		"app/main.go": "m\n", "app/debug.log": "l\n", "app/sub/trace.log": "t\n", "app/secret.txt": "s\n",
		"top.log": "top\n", "x/a.txt": "xa\n", "y/a.txt": "ya\n",
		"src/pkg/deep/b.go": "b\n", "src/pkg/c.go": "c\n", "src/pkg/c.txt": "ct\n",
		".dockerignore": "app/secret.txt\n",
	}
	runScenarios(t, []scenario{{
		name: "--exclude matches below each source and never re-includes what .dockerignore drops",
		dockerfile: `FROM busybox
COPY --exclude=*.log --exclude=!secret.txt app /app/
COPY --exclude=sub app /nosub/
COPY app /all/
`,
		files: files,
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/app/main.go", "m\n")
			wantAbsent(t, b.files, "/app/debug.log")
			wantAbsent(t, b.files, "/app/secret.txt")
			wantFile(t, b.files, "/app/sub/trace.log", "t\n") // *.log is one level, as in .dockerignore
			wantAbsent(t, b.files, "/nosub/sub")
			wantFile(t, b.files, "/nosub/debug.log", "l\n")
			wantFile(t, b.files, "/all/debug.log", "l\n") // no --exclude leaks into the next COPY
		},
	}, {
		name: "--parents keeps source paths; /./ pivots; ** matches any depth",
		dockerfile: `FROM busybox
COPY --parents x/a.txt ./y/a.txt /p/
COPY --parents src/./pkg/**/*.go /q/
COPY x/a.txt y/a.txt /flat/
`,
		files: files,
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/p/x/a.txt", "xa\n")
			wantFile(t, b.files, "/p/y/a.txt", "ya\n")
			wantFile(t, b.files, "/q/pkg/deep/b.go", "b\n")
			wantFile(t, b.files, "/q/pkg/c.go", "c\n")
			wantAbsent(t, b.files, "/q/pkg/c.txt")
			wantAbsent(t, b.files, "/q/src")
			wantFile(t, b.files, "/flat/a.txt", "ya\n")
		},
	}}, nil)
}

// TestCopyExcludeIsInTheCacheKey: the same COPY with another --exclude
// must not reuse the first one's layer.
func TestCopyExcludeIsInTheCacheKey(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		files := map[string]string{"d/a.txt": "a\n", "d/b.log": "b\n"}
		s.build(t, "FROM busybox\nCOPY d /d/\n", files)
		id := s.build(t, "FROM busybox\nCOPY --exclude=*.log d /d/\n", files)
		fs := s.image(t, id).Files()
		wantFile(t, fs, "/d/a.txt", "a\n")
		wantAbsent(t, fs, "/d/b.log")
	})
}
