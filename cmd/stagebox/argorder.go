package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// programArgs names the commands whose arguments after the first positional
// one belong to a program (`run IMAGE sh -c 'ls -l'`): flags there are the
// program's, never ours.
var programArgs = map[string]bool{"run": true}

// optionalValue names flags that may stand bare, as buildah's do: a bare
// `--pull` means `--pull=true`; a following word is their value only when it
// is one of the listed ones (so `bud --pull .` keeps `.` as the context).
var optionalValue = map[string][]string{
	"pull": {"missing", "always", "never", "true", "false", "ifmissing", "ifnewer"},
}

// flagSpec is what reordering needs to know about the flags of one level
// (the app or a command): which names exist and which take a value.
type flagSpec struct {
	takesValue map[string]bool
	// canon maps every name and alias to the flag's first name: urfave/cli
	// refuses `-v A --volume B` ("two forms of the same flag"), which
	// docker and buildah users write.
	canon map[string]string
}

func specOf(flags []cli.Flag) flagSpec {
	s := flagSpec{takesValue: map[string]bool{}, canon: map[string]string{}}
	add := func(f cli.Flag) {
		tv, ok := f.(interface{ TakesValue() bool })
		for _, n := range f.Names() {
			s.takesValue[n] = ok && tv.TakesValue()
			s.canon[n] = f.Names()[0]
		}
	}
	for _, f := range flags {
		add(f)
	}
	add(cli.HelpFlag)
	return s
}

func (s flagSpec) has(name string) bool { _, ok := s.takesValue[name]; return ok }

// reorderArgs returns args with every flag of the command moved before its
// positional arguments, so urfave/cli (which stops at the first positional)
// sees `bud . -t y` as `bud -t y .`, as docker, podman and buildah accept it.
// Global flags given after the command move before it. `--` ends flags.
// Short-option bundles (`-qt y`) are split. An unknown flag is an error
// naming it and the nearest known flag.
func reorderArgs(app *cli.App, args []string) ([]string, error) {
	if len(args) < 2 {
		return args, nil
	}
	global := specOf(append(append([]cli.Flag(nil), app.Flags...), cli.VersionFlag))
	globals, i, err := takeFlags(global, args[1:], "")
	if err != nil {
		return nil, err
	}
	i++ // index in args
	if i >= len(args) || args[i] == "help" {
		return args, nil
	}
	cmd := app.Command(args[i])
	if cmd == nil {
		return nil, unknownCommand(app, args[i])
	}
	words := []string{args[i]}
	for sub := subcommand(cmd, args[i+1:]); sub != nil; sub = subcommand(cmd, args[i+1:]) {
		cmd, i = sub, i+1 // `manifest add --arch A LIST IMAGE`: the flags are add's
		words = append(words, args[i])
	}
	local := specOf(cmd.Flags)
	var flags, positional []string
	rest := args[i+1:]
	for j := 0; j < len(rest); j++ {
		a := rest[j]
		if a == "--" {
			positional = append(positional, rest[j+1:]...)
			break
		}
		if !isFlag(a) {
			positional = append(positional, a)
			if programArgs[cmd.Name] {
				positional = append(positional, rest[j+1:]...)
				break
			}
			continue
		}
		name := flagName(a)
		spec, dst := local, &flags
		if !local.has(name) && !isBundle(local, a) && global.has(name) {
			spec, dst = global, &globals
		}
		got, n, err := oneFlag(spec, rest[j:], cmd.Name)
		if err != nil {
			return nil, err
		}
		*dst = append(*dst, got...)
		j += n - 1
	}
	out := append([]string{args[0]}, globals...)
	out = append(append(out, words...), flags...)
	if len(positional) > 0 {
		out = append(out, "--")
	}
	return append(out, positional...), nil
}

// subcommand is cmd's subcommand named by rest's first word, if any.
func subcommand(cmd *cli.Command, rest []string) *cli.Command {
	if len(rest) == 0 {
		return nil
	}
	for _, sub := range cmd.Subcommands {
		if sub.HasName(rest[0]) {
			return sub
		}
	}
	return nil
}

// takeFlags reads the flags at the head of args (the global flags before the
// command) and returns them with the index of the first non-flag.
func takeFlags(spec flagSpec, args []string, where string) ([]string, int, error) {
	var out []string
	j := 0
	for j < len(args) && isFlag(args[j]) && args[j] != "--" {
		got, n, err := oneFlag(spec, args[j:], where)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, got...)
		j += n
	}
	return out, j, nil
}

// oneFlag reads the flag at args[0] (with its value when it takes one) and
// returns it in the form urfave/cli parses, and how many args it used.
func oneFlag(spec flagSpec, args []string, where string) ([]string, int, error) {
	a := args[0]
	name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
	takes, known := spec.takesValue[name]
	if !known {
		if isBundle(spec, a) {
			return bundle(spec, args)
		}
		return nil, 0, unknownFlag(spec, a, where)
	}
	given := name
	name = spec.canon[name]
	if words, ok := optionalValue[name]; ok && takes && !hasValue {
		if len(args) > 1 && contains(words, args[1]) {
			return []string{"--" + name + "=" + args[1]}, 2, nil
		}
		return []string{"--" + name + "=true"}, 1, nil
	}
	if hasValue {
		return []string{dashed(name) + "=" + value}, 1, nil
	}
	if !takes {
		return []string{dashed(name)}, 1, nil
	}
	if len(args) < 2 {
		return nil, 0, fmt.Errorf("%s %s needs a value", where, dashed(given))
	}
	// The next word is the value even when it looks like a flag (`-t -x`).
	return []string{dashed(name) + "=" + args[1]}, 2, nil
}

// isBundle reports whether a is `-abc`: single-letter flags run together,
// all boolean but maybe the last.
func isBundle(spec flagSpec, a string) bool {
	if strings.HasPrefix(a, "--") || len(a) < 3 {
		return false
	}
	body, _, _ := strings.Cut(a[1:], "=")
	for k, r := range body {
		takes, ok := spec.takesValue[string(r)]
		if !ok || (takes && k != len(body)-1) {
			return false
		}
	}
	return true
}

// bundle splits `-qt y` into `-q -t=y` (and `-qt=y` the same way).
func bundle(spec flagSpec, args []string) ([]string, int, error) {
	body, value, hasValue := strings.Cut(args[0][1:], "=")
	var out []string
	for _, r := range body[:len(body)-1] {
		out = append(out, dashed(spec.canon[string(r)]))
	}
	last := body[len(body)-1:]
	rest := append([]string{"-" + last}, args[1:]...)
	if hasValue {
		rest = append([]string{"-" + last + "=" + value}, args[1:]...)
	}
	got, n, err := oneFlag(spec, rest, "")
	if err != nil {
		return nil, 0, err
	}
	return append(out, got...), n, nil
}

func isFlag(a string) bool { return len(a) > 1 && a[0] == '-' }

func flagName(a string) string {
	name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
	return name
}

func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
