package e2e

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// TestInspectTemplatesAsDockerUsersWriteThem: inspect -f with podman's and
// docker's field names, over the very object `inspect` prints as JSON.
func TestInspectTemplatesAsDockerUsersWriteThem(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		id := s.build(t, "FROM busybox\nLABEL a=1 b=two\nENV GREETING=hi\n", nil, "-t", "tpl", "--label", "io.stagebox.version=fixed")
		var printed map[string]any
		if err := json.Unmarshal([]byte(s.must(t, "inspect", "tpl").stdout), &printed); err != nil {
			t.Fatalf("inspect printed no JSON: %v", err)
		}
		digest, _ := printed["Digest"].(string)
		configJSON, _ := json.Marshal(printed["Config"])
		for _, c := range []struct{ format, want string }{
			{"{{.Id}}", id},
			{"{{.ID}}", id},
			{"{{.Config.Labels}}", "map[a:1 b:two io.stagebox.version:fixed]"},
			{"{{.Config.Env}}", "[PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin GREETING=hi]"},
			{"{{.Digest}}", digest},
			{"{{.RepoTags}}", "[localhost/tpl:latest]"},
			{"{{.Architecture}} {{.Os}}", runtime.GOARCH + " linux"},
			{"{{index .Config.Labels \"b\"}}", "two"},
		} {
			if got := s.must(t, "inspect", "-f", c.format, "tpl").stdout; got != c.want+"\n" {
				t.Errorf("inspect -f %s printed %q, want %q", c.format, got, c.want+"\n")
			}
		}
		var templated map[string]any
		if err := json.Unmarshal([]byte(s.must(t, "inspect", "-f", "{{json .Config}}", "tpl").stdout), &templated); err != nil || !reflect.DeepEqual(templated, printed["Config"]) {
			t.Errorf("inspect -f '{{json .Config}}' gave %v (%v), want the printed Config %s", templated, err, configJSON)
		}
		if !strings.HasPrefix(digest, "sha256:") {
			t.Errorf("inspect's Digest is %q", digest)
		}
		if r := s.run(t, opts{}, "inspect", "-f", "{{.Nope}}", "tpl"); r.code == 0 || strings.Count(strings.TrimSpace(r.stderr), "\n") > 1 || !strings.Contains(r.stderr, "Nope") {
			t.Errorf("an unknown field must fail in one line naming it:\n%s", r)
		}
	})
}

// TestImagesFormatsAndFilters: images --format (template, table, json),
// --filter reference= and dangling=, --digests and -a, as docker's.
func TestImagesFormatsAndFilters(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		bb := s.busybox(t)
		id := s.build(t, "FROM busybox\nENV X=1\n", nil, "-t", "web:1", "-t", "quay.io/team/web:2")
		digest := strings.TrimSpace(s.must(t, "inspect", "-f", "{{.Digest}}", id).stdout)
		golden := func(want string, args ...string) {
			t.Helper()
			if got := s.must(t, append([]string{"images"}, args...)...).stdout; got != want {
				t.Errorf("images %s printed\n%s\nwant\n%s", strings.Join(args, " "), got, want)
			}
		}
		golden(id[:12]+" localhost/web:1\n"+id[:12]+" quay.io/team/web:2\n",
			"--format", "{{.ID}} {{.Repository}}:{{.Tag}}", "--filter", "reference=web", "--filter", "reference=quay.io/*/web:*")
		golden("REPOSITORY          TAG\nlocalhost/busybox   latest\n",
			"--format", `table {{.Repository}}\t{{.Tag}}`, "--filter", "reference=busybox")
		golden("quay.io/team/web:2 "+digest+"\n", "--format", "{{.Repository}}:{{.Tag}} {{.Digest}}", "--filter", "reference=quay.io/team/web")
		golden("", "-q", "--filter", "dangling=true")
		golden(bb[:12]+"\n", "-q", "--filter", "reference=busybox:latest")
		golden(id+"\n"+bb+"\n", "-a", "-q", "--no-trunc")

		table := s.must(t, "images", "--digests", "--filter", "reference=web").stdout
		lines := strings.Split(strings.TrimSpace(table), "\n")
		if len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != "REPOSITORY TAG DIGEST IMAGE ID CREATED SIZE" ||
			!strings.HasPrefix(strings.Join(strings.Fields(lines[1]), " "), "localhost/web 1 "+digest+" "+id[:12]+" ") {
			t.Errorf("images --digests printed:\n%s", table)
		}
		var listed []struct {
			ID    string `json:"id"`
			Names []string
		}
		if err := json.Unmarshal([]byte(s.must(t, "images", "--format", "json", "--filter", "reference=web").stdout), &listed); err != nil || len(listed) != 1 || listed[0].ID != id {
			t.Errorf("images --format json --filter reference=web gave %+v (%v)", listed, err)
		}
		if r := s.run(t, opts{}, "images", "--filter", "label=x"); r.code == 0 || !strings.Contains(r.stderr, "label=x") {
			t.Errorf("an unknown filter must be refused, naming it:\n%s", r)
		}
	})
}

// TestPullOCILayoutIsNamedAfterTheLayout: `pull oci:DIR:TAG` names the
// image after the layout directory, as podman and buildah do, never
// "localhost/TAG".
func TestPullOCILayoutIsNamedAfterTheLayout(t *testing.T) {
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		s.build(t, "FROM busybox\nENV X=1\n", nil, "-t", "src")
		dir := filepath.Join(s.scratch(t, "out"), "myimage")
		s.must(t, "push", "src", "oci:"+dir+":1.0")
		s.must(t, "push", "src", "oci:"+dir+":latest")

		other := newStore(t, a)
		other.must(t, "pull", "oci:"+dir+":1.0")
		other.must(t, "pull", "oci:"+dir+":latest")
		got := other.must(t, "images", "--format", "{{.Repository}}:{{.Tag}}").stdout
		for _, want := range []string{"localhost/myimage:1.0", "localhost/myimage:latest"} {
			if !strings.Contains(got, want+"\n") {
				t.Errorf("images after pulling the layout lists\n%s\nwant %s", got, want)
			}
		}
		if strings.Contains(got, "localhost/latest") || strings.Contains(got, "localhost/1.0") {
			t.Errorf("the image was named after its tag:\n%s", got)
		}
	})
}
