package stages

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/sirupsen/logrus"
	"github.com/stagebox/stagebox/unpack"
)

// bud --explain-cache: beside each cache entry the store keeps a digest of
// every input of its key, named; a step that misses where an entry for the
// same parent exists names the inputs that differ. Values are only ever
// hashed: build args, ENV values and bound files may be secret.

// namedPart is a key part that says what it is: "user=0", "content=…",
// or with a qualifier, "bind /src=…" (a RUN --mount's bound files).
var namedPart = regexp.MustCompile(`^([a-z][a-z-]*)(?: ([^=]+))?=`)

// partNames are the user-facing names of the named key parts.
var partNames = map[string]string{
	"content": "build context content", "from": "source stage or image", "dest": "destination",
	"chown": "--chown", "chmod": "--chmod", "user": "USER", "workdir": "WORKDIR", "shell": "SHELL",
	"network": "network", "times": "file times (--timestamp, --rewrite-timestamp)", "hosts": "--add-host, --no-hosts or --ulimit",
	"bind": "files bound at", "platform": "target platform (--platform)",
}

// stepInputs names each part of a step's cache key (see runKey and
// copyKey) and hashes its value; a RUN's environment is split into one
// input per variable.
func stepInputs(parts []string) map[string]string {
	in := map[string]string{}
	// RUN and WORKDIR keys start with their keyword, COPY's with its text.
	keyword := len(parts) > 0 && (parts[0] == "RUN" || parts[0] == "WORKDIR")
	isRun := len(parts) > 0 && parts[0] == "RUN"
	for i, p := range parts {
		switch {
		case keyword && i == 0:
		case keyword && i == 1 || !keyword && i == 0:
			in["instruction"] = hashValue(p)
		case isRun && i == 2:
			in["heredocs"] = hashValue(p)
		case isRun && i == 3:
			for _, kv := range strings.Split(p, "\x00") {
				if k, v, ok := strings.Cut(kv, "="); ok {
					in["variable "+k] = hashValue(v)
				}
			}
		case partName(p) != "":
			in[partName(p)] = hashValue(p)
		default:
			in[fmt.Sprintf("input %d", i)] = hashValue(p)
		}
	}
	return in
}

// partName is the input name of a key part that says what it is, or "".
// A qualified name ("bind /src") is taken only for known parts: a heredoc's
// text must not become an input's name.
func partName(p string) string {
	m := namedPart.FindStringSubmatch(p)
	if m == nil {
		return ""
	}
	name, known := partNames[m[1]]
	switch {
	case m[2] == "" && !known:
		return m[1]
	case m[2] == "":
		return name
	case known:
		return name + " " + m[2]
	}
	return ""
}

func hashValue(v string) string {
	h := sha256.Sum256([]byte(v))
	return hex.EncodeToString(h[:])
}

// sourceDetail names a context COPY's inputs by source path, so that a
// miss says which path changed; it runs only when the step misses.
func (st *stageState) sourceDetail(ctx context.Context, spec unpack.CopySpec, fromContext bool) func() map[string]string {
	if !fromContext || len(spec.Sources) < 2 {
		return nil // one source: "build context content" is that path's
	}
	return func() map[string]string {
		out := map[string]string{}
		for _, s := range spec.Sources {
			one := spec
			one.Sources = []string{s}
			if d, err := st.b.digest(ctx, one); err == nil {
				out["context path "+s] = d
			}
		}
		return out
	}
}

// missInputs are the inputs of a step that missed the cache, with the
// detail its executor left in st.detail.
func (st *stageState) missInputs(parts []string) map[string]string {
	in := stepInputs(parts)
	if st.detail != nil {
		if d := st.detail(); len(d) > 0 {
			delete(in, "build context content")
			for k, v := range d {
				in[k] = v
			}
		}
		st.detail = nil
	}
	return in
}

// explainMiss prints which inputs differ from the closest entry recorded
// on the same parent, with --explain-cache or at --log-level info.
func (st *stageState) explainMiss(parent string, in map[string]string) {
	if st.b.opts.NoCache || !(st.b.opts.ExplainCache || logrus.IsLevelEnabled(logrus.InfoLevel)) {
		return
	}
	var best []string
	for _, other := range st.b.store.SiblingInputs(parent) {
		if d := inputDiff(in, other); best == nil || len(d) < len(best) {
			best = d
		}
	}
	if len(best) > 0 {
		st.note("--> Cache miss: %s (against the cached step on the same parent)", strings.Join(best, "; "))
	}
}

// inputDiff lists, sorted, how now differs from before.
func inputDiff(now, before map[string]string) []string {
	var out []string
	for k, v := range now {
		switch old, ok := before[k]; {
		case !ok:
			out = append(out, k+" is new")
		case old != v:
			out = append(out, k+" changed")
		}
	}
	for k := range before {
		if _, ok := now[k]; !ok {
			out = append(out, k+" is gone")
		}
	}
	slices.Sort(out)
	return out
}
