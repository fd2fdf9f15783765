package e2e

import (
	"strings"
	"testing"
)

const argsDockerfile = `ARG BASE=busybox
ARG VERSION=1.0
FROM ${BASE}
ARG VERSION
ARG LOCAL=default
ARG FROM_ENV
RUN echo "v=$VERSION l=$LOCAL e=$FROM_ENV" > /args
`

func TestArgs(t *testing.T) {
	runScenarios(t, []scenario{{
		name:       "defaults, with a global ARG redeclared in the stage",
		dockerfile: argsDockerfile,
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/args", "v=1.0 l=default e=\n")
			for _, e := range b.img.Config.Config.Env {
				if strings.HasPrefix(e, "VERSION=") || strings.HasPrefix(e, "LOCAL=") {
					t.Errorf("ARG %s persisted into the image's Env", e)
				}
			}
		},
	}, {
		name:       "--build-arg overrides defaults, also the ARG before FROM that picks the base",
		dockerfile: argsDockerfile,
		args: []string{"--build-arg", "VERSION=2.0", "--build-arg", "LOCAL=x",
			"--build-arg", "FROM_ENV", "--build-arg", "BASE=argbase"},
		check: func(t *testing.T, b built) {
			// FROM_ENV is not in the environment, so (as with docker) the
			// bare --build-arg leaves it empty.
			wantFile(t, b.files, "/args", "v=2.0 l=x e=\n")
			wantFile(t, b.files, "/argbase-marker", "argbase\n")
		},
	}, {
		name: "a global ARG is invisible in a stage that does not redeclare it",
		dockerfile: `ARG OUTER=outer
FROM busybox
RUN echo "o=${OUTER:-unset}" > /scope
`,
		check: func(t *testing.T, b built) { wantFile(t, b.files, "/scope", "o=unset\n") },
	}, {
		name: "a stage's ARG is invisible in the next stage",
		dockerfile: `FROM busybox AS one
ARG ONLYONE=one
RUN echo "$ONLYONE" > /one
FROM one
RUN echo "x=${ONLYONE:-unset}" > /scope
`,
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/one", "one\n")
			wantFile(t, b.files, "/scope", "x=unset\n")
		},
	}, {
		name: "ENV overrides an ARG of the same name and persists",
		dockerfile: `FROM busybox
ARG MODE=arg
ENV MODE=env
RUN echo "$MODE" > /mode
`,
		args: []string{"--build-arg", "MODE=flag"},
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/mode", "env\n")
			wantEnv(t, b, "MODE=env")
		},
	}}, func(t *testing.T, s *store) {
		s.build(t, "FROM busybox\nRUN echo argbase > /argbase-marker\n", nil, "-t", "argbase")
	})
}

// A bare --build-arg KEY takes KEY's value from stagebox's environment.
func TestBuildArgFromEnvironment(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		r := s.bud(t, opts{env: []string{"FROM_ENV=from-the-environment"}}, argsDockerfile, nil,
			"--build-arg", "FROM_ENV")
		if r.code != 0 {
			t.Fatalf("build failed:\n%s", r)
		}
		wantFile(t, s.image(t, r.id(t)).Files(), "/args", "v=1.0 l=default e=from-the-environment\n")
	})
}
