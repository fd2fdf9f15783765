package e2e

import "testing"

func TestOnbuildTriggersRunInTheChildBuild(t *testing.T) {
	runScenarios(t, []scenario{{
		name: "RUN and COPY triggers run right after FROM, and are not inherited",
		dockerfile: `FROM onbuild-parent
RUN cat /onbuild /trig.txt > /seen
`,
		files: map[string]string{"trig.txt": "from the child's context\n"},
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/onbuild", "triggered\n")
			wantFile(t, b.files, "/trig.txt", "from the child's context\n")
			wantFile(t, b.files, "/seen", "triggered\nfrom the child's context\n")
			if ob := b.img.Config.Config.OnBuild; len(ob) != 0 {
				t.Errorf("child kept OnBuild %q; docker clears triggers once run", ob)
			}
		},
	}}, func(t *testing.T, s *store) {
		id := s.build(t, `FROM busybox
ONBUILD RUN echo triggered > /onbuild
ONBUILD COPY trig.txt /trig.txt
`, nil, "-t", "onbuild-parent")
		// The parent itself must not have run its triggers.
		fs := s.image(t, id).Files()
		wantAbsent(t, fs, "/onbuild")
	})
}
