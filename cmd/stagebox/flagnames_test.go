package main

import (
	"reflect"
	"slices"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestMemoNamesKeepsEveryFlagAsItWas: each flag answers the names the
// library works out, and still is what urfave/cli and argorder look for
// (a value or not, visible, required, documented).
func TestMemoNamesKeepsEveryFlagAsItWas(t *testing.T) {
	app := newApp()
	check := func(where string, flags []cli.Flag) {
		for _, f := range flags {
			// A wrapper is a struct whose first field is the library's flag.
			v := reflect.ValueOf(f)
			if v.Kind() != reflect.Struct {
				t.Errorf("%s: flag %v of type %T keeps the library's slow Names", where, f.Names(), f)
				continue
			}
			lib := v.Field(0).Interface().(cli.Flag).Names()
			if !slices.Equal(f.Names(), lib) {
				t.Errorf("%s: names %v, the library says %v", where, f.Names(), lib)
			}
			for _, ok := range []bool{
				func() bool { _, ok := f.(cli.DocGenerationFlag); return ok }(),
				func() bool { _, ok := f.(cli.VisibleFlag); return ok }(),
				func() bool { _, ok := f.(cli.RequiredFlag); return ok }(),
				func() bool { _, ok := f.(interface{ TakesValue() bool }); return ok }(),
			} {
				if !ok {
					t.Errorf("%s: flag %v lost one of the library's interfaces", where, f.Names())
				}
			}
		}
	}
	check("global", app.Flags)
	var walk func(prefix string, cmds []*cli.Command)
	walk = func(prefix string, cmds []*cli.Command) {
		for _, c := range cmds {
			check(prefix+c.Name, c.Flags)
			walk(prefix+c.Name+" ", c.Subcommands)
		}
	}
	walk("", app.Commands)
}
