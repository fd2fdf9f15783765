package lockdown

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// templates maps each CI template in contrib/ci to the configuration of
// TestLockdown whose docker run flags reproduce its container settings.
var templates = []struct{ file, config string }{
	{"gitlab-ci.yml", "nonroot-default"},              // Docker executor, image VOLUME
	{"github-actions.yml", "vm-user"},                 // the runner VM's user
	{"kubernetes-job.yaml", "store-volume"},           // default pod, emptyDir store
	{"kubernetes-job-restricted.yaml", "restricted"},  // Pod Security restricted
	{"kubernetes-job-hostusers.yaml", "userns-remap"}, // hostUsers: false
	{"tekton-task.yaml", "store-volume"},              // default step pod
}

// TestTemplatesStateTheirTierAndFlags: every template names the tier it
// gets and quotes the docker run flags of the configuration that tests it,
// so a change to either shows here.
func TestTemplatesStateTheirTierAndFlags(t *testing.T) {
	dir := filepath.Join(repoRoot, "contrib", "ci")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, tpl := range templates {
		covered[tpl.file] = true
		c, ok := configByName(tpl.config)
		if !ok {
			t.Errorf("%s: no configuration %q", tpl.file, tpl.config)
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, tpl.file))
		if err != nil {
			t.Error(err)
			continue
		}
		text := string(data)
		for _, want := range []string{
			"# stagebox tier: " + c.want.tier + " (",
			"configuration " + c.name + ")",
			"#   " + strings.Join(c.flags, " ") + "\n",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("%s does not say %q", tpl.file, strings.TrimSpace(want))
			}
		}
	}
	for _, e := range entries {
		if !covered[e.Name()] {
			t.Errorf("contrib/ci/%s: no configuration reproduces it; add it to templates", e.Name())
		}
	}
}

func configByName(name string) (config, bool) {
	for _, c := range configs {
		if c.name == name {
			return c, true
		}
	}
	return config{}, false
}
