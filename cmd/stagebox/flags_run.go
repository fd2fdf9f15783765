package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/stagebox/stagebox/sandbox"
	"github.com/urfave/cli/v2"
)

// runHabitFlags are docker's and podman's `run` flags (issue 9, item 5).
func runHabitFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "interactive", Aliases: []string{"i"}, Usage: "keep stdin attached (it always is, as buildah run does)"},
		&cli.BoolFlag{Name: "tty", Aliases: []string{"t"}, Usage: "give the command a pseudo-terminal (a prompt, job control, the window's size)"},
		&cli.StringFlag{Name: "entrypoint", Usage: "replace the image's ENTRYPOINT (\"\" clears it); the image's CMD is then not used"},
		&cli.StringFlag{Name: "workdir", Aliases: []string{"w"}, Usage: "working directory inside the container (default: the image's WORKDIR)"},
		&cli.StringSliceFlag{Name: "volume", Aliases: []string{"v"}, Usage: "HOSTDIR:DIR[:ro|rw] bind mount (repeatable)"},
		&cli.BoolFlag{Name: "rm", Usage: "accepted: the container is always removed"},
		&cli.StringSliceFlag{Name: "env-file", Usage: "read KEY=VALUE lines from FILE (repeatable; before --env)"},
		&cli.StringFlag{Name: "name", Usage: "name of the container: its hostname"},
	}
}

// runHabits is what runHabitFlags asked for, checked.
type runHabits struct {
	entrypoint []string
	setEntry   bool
	workdir    string
	env        []string // from --env-file, then --env
	mounts     []sandbox.Mount
	name       string
}

func parseRunHabits(c *cli.Context) (runHabits, error) {
	h := runHabits{workdir: c.String("workdir"), name: c.String("name")}
	if c.IsSet("entrypoint") {
		h.setEntry = true
		if e := c.String("entrypoint"); e != "" {
			h.entrypoint = []string{e}
		}
	}
	if h.workdir != "" && !filepath.IsAbs(h.workdir) {
		return h, fmt.Errorf("--workdir %q: give an absolute path inside the container", h.workdir)
	}
	if h.name != "" && !validName.MatchString(h.name) {
		return h, fmt.Errorf("--name %q: use letters, digits, '_', '.' and '-', starting with a letter or digit", h.name)
	}
	for _, f := range c.StringSlice("env-file") {
		env, err := readEnvFile(f)
		if err != nil {
			return h, err
		}
		h.env = append(h.env, env...)
	}
	h.env = append(h.env, c.StringSlice("env")...)
	for _, v := range c.StringSlice("volume") {
		m, err := parseVolume(v)
		if err != nil {
			return h, err
		}
		h.mounts = append(h.mounts, m)
	}
	return h, nil
}

// validName is docker's rule for container names.
var validName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// readEnvFile reads docker's env-file format: KEY=VALUE lines, KEY alone
// takes the value from our environment (skipped when unset), blank lines
// and lines starting with # are ignored.
func readEnvFile(name string) ([]string, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("--env-file: %w", err)
	}
	defer f.Close()
	var env []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimLeft(sc.Text(), " \t")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, _, hasValue := strings.Cut(line, "=")
		if key == "" || strings.ContainsAny(key, " \t") {
			return nil, fmt.Errorf("%s:%d: %q is not KEY=VALUE", name, n, line)
		}
		if !hasValue {
			if v, ok := os.LookupEnv(key); ok {
				env = append(env, key+"="+v)
			}
			continue
		}
		env = append(env, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--env-file %s: %w", name, err)
	}
	return env, nil
}
