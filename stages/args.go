package stages

import (
	"sort"
	"strings"
	"sync"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stagebox/stagebox/unpack"
)

// buildArgs are the --build-arg values, with a record of which ones a
// Dockerfile ARG consumed (unconsumed ones earn a warning, as in Docker).
type buildArgs struct {
	values map[string]string
	mu     sync.Mutex
	used   map[string]bool
	target ocispec.Platform // the build's target platform; zero is the host
}

func newBuildArgs(v map[string]string) *buildArgs {
	if v == nil {
		v = map[string]string{}
	}
	return &buildArgs{values: v, used: map[string]bool{}}
}

func (b *buildArgs) get(name string) (string, bool) {
	v, ok := b.values[name]
	if ok {
		b.mu.Lock()
		b.used[name] = true
		b.mu.Unlock()
	}
	return v, ok
}

// unused lists build args no ARG declared, sorted for stable output.
func (b *buildArgs) unused() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for k := range b.values {
		// SOURCE_DATE_EPOCH dates the image even when no ARG declares it.
		if !b.used[k] && !predefinedArgs[k] && k != sourceDateEpochArg {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// predefinedArgs may be passed with --build-arg without an ARG line and
// reach RUN's environment, as Docker documents for the proxy variables.
var predefinedArgs = map[string]bool{
	"HTTP_PROXY": true, "http_proxy": true, "HTTPS_PROXY": true, "https_proxy": true,
	"FTP_PROXY": true, "ftp_proxy": true, "NO_PROXY": true, "no_proxy": true,
	"ALL_PROXY": true, "all_proxy": true,
}

// platformArgs are the automatic platform ARGs BuildKit defines in the
// global scope; a stage sees them after `ARG TARGETARCH` and the like.
func (b *buildArgs) platformArgs() map[string]string {
	target, build := b.target, unpack.HostPlatform()
	if target.Architecture == "" {
		target = build
	}
	return map[string]string{
		"TARGETPLATFORM": unpack.PlatformString(target), "TARGETOS": target.OS, "TARGETARCH": target.Architecture, "TARGETVARIANT": target.Variant,
		"BUILDPLATFORM": unpack.PlatformString(build), "BUILDOS": build.OS, "BUILDARCH": build.Architecture, "BUILDVARIANT": build.Variant,
	}
}

// argScope is the set of ARG values visible at one point of a stage (or of
// the global scope before the first FROM). Only declared ARGs are visible.
type argScope struct {
	build  *buildArgs
	global map[string]string // meta ARG values, which a stage ARG may re-declare
	names  []string          // declaration order, for a stable RUN environment
	values map[string]string
}

func newArgScope(build *buildArgs, global map[string]string) *argScope {
	return &argScope{build: build, global: global, values: map[string]string{}}
}

// declare applies one ARG: a --build-arg wins, then the ARG's own default
// (expanded against what is in scope), then a global of the same name.
func (a *argScope) declare(kv instructions.KeyValuePairOptional, expand func(string) (string, error)) error {
	val, has := a.build.get(kv.Key)
	if !has && kv.Value != nil {
		v, err := expand(*kv.Value)
		if err != nil {
			return err
		}
		val, has = v, true
	}
	if !has {
		val, has = a.global[kv.Key]
	}
	if _, seen := a.values[kv.Key]; !seen {
		a.names = append(a.names, kv.Key)
	}
	if has {
		a.values[kv.Key] = val
	} else {
		delete(a.values, kv.Key)
	}
	return nil
}

// env is the environment for expanding Dockerfile words: ENV entries
// override ARGs of the same name, as Docker documents.
func (a *argScope) env(configEnv []string) shell.EnvGetter {
	return scopeEnv{args: a, config: configEnv}
}

// scopeEnv looks names up when a word refers to them. Building a map of
// every ENV and ARG for each word, as shell.EnvsFromSlice does, made a
// Dockerfile of n ENV lines cost O(n²): 10,000 of them took 12 s.
type scopeEnv struct {
	args   *argScope
	config []string
}

func (e scopeEnv) Get(key string) (string, bool) {
	key = shell.NormalizeEnvKey(key)
	for i := len(e.config) - 1; i >= 0; i-- {
		if k, v, _ := strings.Cut(e.config[i], "="); shell.NormalizeEnvKey(k) == key {
			return v, true
		}
	}
	for _, k := range e.args.names {
		if shell.NormalizeEnvKey(k) == key {
			v, ok := e.args.values[k]
			return v, ok
		}
	}
	return "", false
}

func (e scopeEnv) Keys() []string {
	keys := make([]string, 0, len(e.args.names)+len(e.config))
	for _, k := range e.args.names {
		if _, ok := e.args.values[k]; ok {
			keys = append(keys, k)
		}
	}
	for _, kv := range e.config {
		k, _, _ := strings.Cut(kv, "=")
		keys = append(keys, k)
	}
	return keys
}

// runEnv is RUN's process environment: the image env plus the ARGs in
// scope that no ENV shadows, plus predefined proxy args given on the CLI.
// ARGs never reach the committed config; this is for the process only.
func (a *argScope) runEnv(configEnv []string) []string {
	out := append([]string(nil), configEnv...)
	has := func(k string) bool {
		for _, e := range out {
			if strings.HasPrefix(e, k+"=") {
				return true
			}
		}
		return false
	}
	for _, k := range a.names {
		if v, ok := a.values[k]; ok && !has(k) {
			out = append(out, k+"="+v)
		}
	}
	for k, v := range a.build.values {
		if predefinedArgs[k] && !has(k) {
			out = append(out, k+"="+v)
		}
	}
	return out
}

// globalArgs resolves the ARGs before the first FROM, which FROM lines may
// use and stages may re-declare.
func globalArgs(meta []instructions.ArgCommand, build *buildArgs, lex *shell.Lex) (map[string]string, error) {
	auto := build.platformArgs()
	scope := newArgScope(build, auto)
	for k, v := range auto {
		scope.names = append(scope.names, k)
		scope.values[k] = v
	}
	sort.Strings(scope.names)
	for _, cmd := range meta {
		for _, kv := range cmd.Args {
			err := scope.declare(kv, func(w string) (string, error) {
				r, _, err := lex.ProcessWord(w, scope.env(nil))
				return r, err
			})
			if err != nil {
				return nil, err
			}
		}
	}
	return scope.values, nil
}
