package main

import (
	"errors"

	"github.com/urfave/cli/v2"
)

func tagCommand() *cli.Command {
	return &cli.Command{
		Name:      "tag",
		Usage:     "add names to an image",
		ArgsUsage: "IMAGE NAME...",
		Action: func(c *cli.Context) error {
			if c.NArg() < 2 {
				return errors.New("tag takes an image and at least one name: stagebox tag IMAGE NAME...")
			}
			st, err := openStore(c)
			if err != nil {
				return err
			}
			defer st.Shutdown()
			return st.Tag(c.Args().First(), c.Args().Tail()...)
		},
	}
}
