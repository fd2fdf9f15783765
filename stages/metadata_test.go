package stages

import (
	"os"
	"reflect"
	"testing"
)

func TestParsePortForms(t *testing.T) {
	cases := map[string][]string{
		"53":                    {"53/tcp"},
		"53/udp":                {"53/udp"},
		"8000-8002/tcp":         {"8000/tcp", "8001/tcp", "8002/tcp"},
		"127.0.0.1:80:8080/TCP": {"8080/tcp"},
	}
	for in, want := range cases {
		got, err := parsePort(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("parsePort(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"0", "http", "80/icmp", "90-80", "70000"} {
		if _, err := parsePort(bad); err == nil {
			t.Errorf("parsePort(%q) accepted", bad)
		}
	}
}

func TestParseChmodOctalOnly(t *testing.T) {
	m, err := parseChmod("4755")
	if err != nil || *m != os.ModeSetuid|0o755 {
		t.Fatalf("4755 → %v, %v", m, err)
	}
	for _, bad := range []string{"u+x", "999", "77777"} {
		if _, err := parseChmod(bad); err == nil {
			t.Errorf("parseChmod(%q) accepted", bad)
		}
	}
}

func TestSetEnvReplacesInPlace(t *testing.T) {
	env := setEnv([]string{"A=1", "B=2"}, "A", "3")
	env = setEnv(env, "C", "4")
	if !reflect.DeepEqual(env, []string{"A=3", "B=2", "C=4"}) {
		t.Fatalf("env = %v", env)
	}
}

func TestDestPathKeepsTrailingSlash(t *testing.T) {
	st := &stageState{}
	st.cfg.Config.WorkingDir = "/src"
	for in, want := range map[string]string{"./": "/src/", ".": "/src/", "a/": "/src/a/", "a": "/src/a", "/abs": "/abs"} {
		if got := st.destPath(in); got != want {
			t.Errorf("destPath(%q) = %q, want %q", in, got, want)
		}
	}
}
