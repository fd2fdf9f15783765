package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
)

// unknownFlag is the one-line error for a flag no level defines, naming the
// nearest known one so a typo is fixed without reading the help.
func unknownFlag(spec flagSpec, a, where string) error {
	name := flagName(a)
	var names []string
	for n := range spec.takesValue {
		names = append(names, n)
	}
	msg := "unknown flag " + dashed(name)
	if where != "" {
		msg += " for " + where
	}
	if near := nearest(name, names); near != "" {
		return fmt.Errorf("%s: did you mean %s?", msg, dashed(near))
	}
	return fmt.Errorf("%s: see %s", msg, strings.Join(strings.Fields("stagebox "+where+" --help"), " "))
}

// unknownCommand names the nearest command the same way.
func unknownCommand(app *cli.App, name string) error {
	var names []string
	for _, c := range app.Commands {
		names = append(names, c.Names()...)
	}
	if near := nearest(name, names); near != "" {
		return fmt.Errorf("unknown command %q: did you mean %q?", name, near)
	}
	return fmt.Errorf("unknown command %q: see stagebox --help", name)
}

// nearest returns the candidate closest to s by edit distance, or "" when
// none is close enough to be a likely typo (about half of s changed).
func nearest(s string, candidates []string) string {
	sort.Strings(candidates) // ties resolve the same way every run
	best, bestD := "", len(s)/2+2
	for _, c := range candidates {
		if len(c) == 1 && len(s) > 1 {
			continue // a long flag's typo is a long flag
		}
		if d := levenshtein(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// levenshtein is the edit distance (insert, delete, substitute) of a and b.
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
