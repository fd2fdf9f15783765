package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/unpack"
	"github.com/urfave/cli/v2"
)

// manifestCommand is buildah's `manifest` for hand-assembled lists (issue
// 10, item 4); bud --manifest adds to the same lists.
func manifestCommand() *cli.Command {
	return &cli.Command{
		Name:  "manifest",
		Usage: "create, fill, inspect, push and remove manifest lists (multi-platform images) in local storage",
		Subcommands: []*cli.Command{
			{Name: "create", Usage: "create a manifest list, with the given images as entries", ArgsUsage: "LIST [IMAGE...]",
				Flags: registryFlags(), Action: manifestCreate},
			{Name: "add", Usage: "add an image (local, or a transport reference: docker://, oci:...) to a list", ArgsUsage: "LIST IMAGE",
				Flags: append([]cli.Flag{
					&cli.StringFlag{Name: "arch", Usage: "record this architecture for the entry (default: the image's)"},
					&cli.StringFlag{Name: "os", Usage: "record this OS for the entry (default: the image's)"},
					&cli.StringFlag{Name: "variant", Usage: "record this architecture variant for the entry (default: the image's)"},
				}, registryFlags()...), Action: manifestAdd},
			{Name: "inspect", Usage: "print a list's index JSON", ArgsUsage: "LIST", Action: manifestInspect},
			{Name: "push", Usage: "push every image of a list, then the list", ArgsUsage: "LIST DESTINATION",
				Flags: pushCommandFlags(), Action: manifestPush},
			{Name: "rm", Aliases: []string{"remove"}, Usage: "remove lists (their images stay)", ArgsUsage: "LIST...", Action: manifestRm},
		},
	}
}

func manifestCreate(c *cli.Context) error {
	if c.NArg() < 1 {
		return errors.New("manifest create takes a list name: stagebox manifest create LIST [IMAGE...]")
	}
	st, err := openStore(c)
	if err != nil {
		return err
	}
	defer st.Shutdown()
	list := c.Args().First()
	id, err := st.CreateList(list)
	if err != nil {
		return err
	}
	for _, image := range c.Args().Tail() {
		if err := addToList(c, st, list, image, layers.ListEntry{}); err != nil {
			return err
		}
	}
	fmt.Fprintln(c.App.Writer, id)
	return nil
}

func manifestAdd(c *cli.Context) error {
	if c.NArg() != 2 {
		return errors.New("manifest add takes a list and an image: stagebox manifest add [--arch A --os O --variant V] LIST IMAGE")
	}
	st, err := openStore(c)
	if err != nil {
		return err
	}
	defer st.Shutdown()
	e := layers.ListEntry{OS: c.String("os"), Arch: c.String("arch"), Variant: c.String("variant")}
	return addToList(c, st, c.Args().First(), c.Args().Get(1), e)
}

// addToList adds image to list and prints the list's ID: an image of local
// storage as it is, else pulled (a list's entry for the platform --arch,
// --os and --variant name, the host's by default) and then added.
func addToList(c *cli.Context, st *layers.Store, list, image string, e layers.ListEntry) error {
	if _, err := st.Image(image); err != nil {
		id, err := pullForList(c, st, image, e)
		if err != nil {
			return err
		}
		image = id
	}
	if _, err := st.AddToList(c.Context, list, image, e, false); err != nil {
		return err
	}
	return nil
}

// pullForList copies image (a transport reference or a registry name) into
// local storage and returns its ID.
func pullForList(c *cli.Context, st *layers.Store, image string, e layers.ListEntry) (string, error) {
	reg, err := registryOptions(c)
	if err != nil {
		return "", err
	}
	if err := askPassword(&reg); err != nil {
		return "", err
	}
	p := &unpack.Puller{Store: st.Storage(), Registry: reg, Log: c.App.ErrWriter}
	if e.OS != "" || e.Arch != "" || e.Variant != "" {
		platform := unpack.HostPlatform()
		if e.OS != "" {
			platform.OS = e.OS
		}
		if e.Arch != "" {
			platform.Architecture = unpack.NormalizeArch(e.Arch)
		}
		platform.Variant = e.Variant
		p.Platform = &platform
	}
	return p.Pull(c.Context, image, unpack.PullMissing)
}

func manifestInspect(c *cli.Context) error {
	if c.NArg() != 1 {
		return errors.New("manifest inspect takes one list: stagebox manifest inspect LIST")
	}
	st, err := openStore(c)
	if err != nil {
		return err
	}
	defer st.Shutdown()
	raw, err := st.ListIndex(c.Args().First())
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "    "); err != nil {
		return fmt.Errorf("manifest list %s: %w", c.Args().First(), err)
	}
	fmt.Fprintln(c.App.Writer, out.String())
	return nil
}

func manifestPush(c *cli.Context) error {
	if c.NArg() != 2 {
		return errors.New("manifest push takes a list and a destination: stagebox manifest push [--all] LIST DESTINATION")
	}
	return pushCommand().Action(c)
}

func manifestRm(c *cli.Context) error {
	if c.NArg() < 1 {
		return errors.New("manifest rm takes at least one list: stagebox manifest rm LIST...")
	}
	st, err := openStore(c)
	if err != nil {
		return err
	}
	defer st.Shutdown()
	failed := false
	for _, list := range c.Args().Slice() {
		id, err := st.RemoveList(list)
		if err != nil {
			fmt.Fprintf(c.App.ErrWriter, "Error: %s\n", oneLine(err))
			failed = true
			continue
		}
		fmt.Fprintln(c.App.Writer, id)
	}
	if failed {
		return exitStatus(1)
	}
	return nil
}
