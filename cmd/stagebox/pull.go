package main

import (
	"errors"
	"fmt"

	"github.com/stagebox/stagebox/unpack"
	"github.com/urfave/cli/v2"
)

func pullCommand() *cli.Command {
	return &cli.Command{
		Name:      "pull",
		Usage:     "copy an image into local storage; prints its ID",
		ArgsUsage: "IMAGE (busybox, quay.io/x/y:1, docker://..., oci:DIR:TAG, docker-archive:FILE, ...)",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "policy", Value: "missing", Usage: "missing, always or never"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress on stderr"},
		}, append(registryFlags(), pullPlatformFlags()...)...),
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return errors.New("pull takes one image: stagebox pull IMAGE")
			}
			policy, err := unpack.ParsePullPolicy(c.String("policy"))
			if err != nil {
				return fmt.Errorf("--policy: %w", err)
			}
			reg, err := registryOptions(c)
			if err != nil {
				return err
			}
			st, err := openStoreNoMounts(c)
			if err != nil {
				return err
			}
			defer st.Shutdown()
			if err := askPassword(&reg); err != nil {
				return err
			}
			p := &unpack.Puller{Store: st.Storage(), Registry: reg, PolicyFlag: "--policy"}
			if p.Platform, err = platformOption(c); err != nil {
				return err
			}
			if !c.Bool("quiet") {
				p.Log = c.App.ErrWriter
			}
			id, err := p.Pull(c.Context, c.Args().First(), policy)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, id)
			return nil
		},
	}
}
