package main

import "github.com/urfave/cli/v2"

// urfave/cli v2 works a flag's names out with a regexp on every Names()
// call, and once the flags are parsed it asks, for every flag of the
// command, whether it is set, by scanning every flag's names: quadratic in
// the number of flags, about 1.2 ms for bud's hundred, which both
// processes of a rootless command pay (issue 11: a fully cached rebuild is
// some 35 ms). memoNames gives each flag its names once. Each wrapper
// embeds the library's own flag type, so every other method (and the
// interfaces urfave/cli looks for) is the library's.

type boolNames struct {
	*cli.BoolFlag
	names []string
}

func (f boolNames) Names() []string { return f.names }

type stringNames struct {
	*cli.StringFlag
	names []string
}

func (f stringNames) Names() []string { return f.names }

type sliceNames struct {
	*cli.StringSliceFlag
	names []string
}

func (f sliceNames) Names() []string { return f.names }

type intNames struct {
	*cli.IntFlag
	names []string
}

func (f intNames) Names() []string { return f.names }

type int64Names struct {
	*cli.Int64Flag
	names []string
}

func (f int64Names) Names() []string { return f.names }

type uint64Names struct {
	*cli.Uint64Flag
	names []string
}

func (f uint64Names) Names() []string { return f.names }

type durationNames struct {
	*cli.DurationFlag
	names []string
}

func (f durationNames) Names() []string { return f.names }

type genericNames struct {
	*cli.GenericFlag
	names []string
}

func (f genericNames) Names() []string { return f.names }

// memoNames replaces the flags of app and of all its commands with ones
// whose names are worked out once. A flag of a type not listed here keeps
// the library's Names.
func memoNames(app *cli.App) {
	app.Flags = memoFlags(app.Flags)
	memoCommands(app.Commands)
}

func memoCommands(cmds []*cli.Command) {
	for _, c := range cmds {
		c.Flags = memoFlags(c.Flags)
		memoCommands(c.Subcommands)
	}
}

func memoFlags(flags []cli.Flag) []cli.Flag {
	out := make([]cli.Flag, len(flags))
	for i, f := range flags {
		switch t := f.(type) {
		case *cli.BoolFlag:
			out[i] = boolNames{t, t.Names()}
		case *cli.StringFlag:
			out[i] = stringNames{t, t.Names()}
		case *cli.StringSliceFlag:
			out[i] = sliceNames{t, t.Names()}
		case *cli.IntFlag:
			out[i] = intNames{t, t.Names()}
		case *cli.Int64Flag:
			out[i] = int64Names{t, t.Names()}
		case *cli.Uint64Flag:
			out[i] = uint64Names{t, t.Names()}
		case *cli.DurationFlag:
			out[i] = durationNames{t, t.Names()}
		case *cli.GenericFlag:
			out[i] = genericNames{t, t.Names()}
		default:
			out[i] = f
		}
	}
	return out
}
