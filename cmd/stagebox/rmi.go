package main

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"
)

func rmiCommand() *cli.Command {
	return &cli.Command{
		Name:      "rmi",
		Usage:     "remove images (or, for an image with several names, one name)",
		ArgsUsage: "IMAGE...",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "delete an image even if it has several names"},
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "remove every image"},
		},
		Action: rmi,
	}
}

func rmi(c *cli.Context) error {
	args := c.Args().Slice()
	if len(args) == 0 && !c.Bool("all") {
		return errors.New("rmi takes at least one image: stagebox rmi IMAGE... (or -a for all)")
	}
	st, err := openStore(c)
	if err != nil {
		return err
	}
	defer st.Shutdown()
	force := c.Bool("force")
	if c.Bool("all") {
		imgs, err := st.Images()
		if err != nil {
			return err
		}
		for _, img := range imgs {
			args = append(args, img.ID)
		}
		force = true
	}
	var failed []string
	for _, a := range args {
		id, err := st.Remove(a, force)
		switch {
		case err != nil:
			fmt.Fprintf(c.App.ErrWriter, "Error: %s\n", oneLine(err))
			failed = append(failed, a)
		case id == "":
			fmt.Fprintf(c.App.Writer, "untagged: %s\n", a)
		default:
			fmt.Fprintln(c.App.Writer, id)
		}
	}
	if len(failed) > 0 {
		return exitStatus(1)
	}
	return nil
}
