package main

import (
	"slices"
	"strings"
	"testing"
)

func TestReorderArgs(t *testing.T) {
	cases := []struct{ in, want string }{
		{"bud . -t y", "bud --tag=y -- ."},
		{"bud -t y .", "bud --tag=y -- ."},
		{"build . --tag=y -q", "build --tag=y --quiet -- ."},
		{"bud . -t=x", "bud --tag=x -- ."},
		// A value that looks like a flag after a value-taking flag is a value.
		{"bud . --build-arg -x -f -", "bud --build-arg=-x --file=- -- ."},
		// Short-option bundles split; the last letter may take a value.
		{"bud -qt y .", "bud --quiet --tag=y -- ."},
		{"bud -qt=y .", "bud --quiet --tag=y -- ."},
		// -- ends flags: what follows is positional even when it looks like one.
		{"bud -q -- -weird", "bud --quiet -- -weird"},
		// Global flags after the command move before it.
		{"bud . --root /r -t y", "--root=/r bud --tag=y -- ."},
		{"--root /r images -q", "--root=/r images --quiet"},
		{"push x dest --compression zstd", "push --compression=zstd -- x dest"},
		// run: after IMAGE everything is the program's.
		{"run img ls -l --root", "run -- img ls -l --root"},
		{"run -e A=1 img sh -c 'x'", "run --env=A=1 -- img sh -c 'x'"},
		// --pull stands bare (= always) or takes one of its words.
		{"bud --pull .", "bud --pull=true -- ."},
		{"bud --pull never .", "bud --pull=never -- ."},
		{"bud --pull=false .", "bud --pull=false -- ."},
		{"bud -", "bud -- -"},
		// Short and long forms of one flag mix (urfave/cli alone refuses).
		{"bud -v /a:/a --volume /b:/b .", "bud --volume=/a:/a --volume=/b:/b -- ."},
		{"images", "images"},
		{"--version", "--version"},
		// A subcommand's flags are its own, anywhere after it.
		{"manifest add l img --arch arm64", "manifest add --arch=arm64 -- l img"},
		{"manifest push --all=false l dest --root /r", "--root=/r manifest push --all=false -- l dest"},
	}
	for _, c := range cases {
		got, err := reorderArgs(newApp(), append([]string{"stagebox"}, strings.Fields(c.in)...))
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if want := append([]string{"stagebox"}, strings.Fields(c.want)...); !slices.Equal(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", c.in, got, want)
		}
	}
}

func TestReorderArgsUnknown(t *testing.T) {
	cases := []struct{ in, want string }{
		{"bud . --tga y", "unknown flag --tga for bud: did you mean --tag?"},
		{"push x y --compresion zstd", "unknown flag --compresion for push: did you mean --compression?"},
		{"--rot /r images", "unknown flag --rot: did you mean --root?"},
		{"images --zzzzzzz", "unknown flag --zzzzzzz for images: see stagebox images --help"},
		{"buidl .", `unknown command "buidl": did you mean "bud"?`},
		{"bud -t", "bud -t needs a value"},
	}
	for _, c := range cases {
		_, err := reorderArgs(newApp(), append([]string{"stagebox"}, strings.Fields(c.in)...))
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: got %v, want %q", c.in, err, c.want)
		}
	}
}

func TestLevenshtein(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "abc", 3}, {"tag", "tga", 2}, {"kitten", "sitting", 3}, {"same", "same", 0}} {
		if got := levenshtein(c.a, c.b); got != c.d {
			t.Errorf("levenshtein(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
}
