package stages

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// chainKey derives a step's cache key from its parent's key and what the
// step does. Only filesystem steps extend the chain, and each RUN key holds
// the config it runs with (env, user, workdir, shell), so a LABEL or CMD
// change does not invalidate later RUNs — the content-only keys BuildKit uses.
func chainKey(parent string, parts ...string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", parent)
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s\x00", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// runKey is what decides a RUN's result besides its parent layer.
func (st *stageState) runKey(cmdText string, files []string, network string) []string {
	c := st.cfg.Config
	return append([]string{"RUN", cmdText, strings.Join(files, "\x00"), strings.Join(st.args.runEnv(c.Env), "\x00"),
		"user=" + c.User, "workdir=" + c.WorkingDir, "shell=" + strings.Join(c.Shell, "\x00"), "network=" + network},
		st.b.opts.RunLimits.key()...)
}

// cached reuses the sealed layer of an earlier identical step, unless
// --no-cache. It reports whether it did.
func (st *stageState) cached(key string) bool {
	if st.b.opts.NoCache {
		return false
	}
	if id, ok := st.b.cachedLayer(key); ok {
		st.hit("--> Using cache %.12s", id)
		// A local entry stands on the whole chain below it.
		st.top, st.key, st.pending, st.base = id, key, nil, nil
		return true
	}
	e := st.remoteHit(st.ctx, key)
	if e == nil {
		return false
	}
	st.hit("--> Using cache %.12s from %s", e.Layer.Digest.Encoded(), e.Cache())
	st.pending, st.key = append(st.pending, e), key
	return true
}
