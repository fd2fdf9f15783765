package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/stagebox/stagebox/sandbox"
	"github.com/urfave/cli/v2"
)

func infoCommand() *cli.Command {
	return &cli.Command{
		Name:  "info",
		Usage: "show the user namespace, storage and what the host allows",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print JSON"}},
		Action: func(c *cli.Context) error {
			st, err := openStore(c)
			if err != nil {
				return err
			}
			defer st.Shutdown()
			s := st.Storage()
			h := sandbox.Inspect()
			info := map[string]any{
				"host":    h,
				"storage": map[string]any{"driver": s.GraphDriverName(), "graphRoot": s.GraphRoot(), "runRoot": s.RunRoot(), "options": s.GraphOptions()},
			}
			if c.Bool("json") {
				enc := json.NewEncoder(c.App.Writer)
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			printInfo(c.App.Writer, h, s.GraphDriverName(), s.GraphRoot(), s.RunRoot())
			return nil
		},
	}
}

func printInfo(w io.Writer, h sandbox.Host, driver, graph, run string) {
	fmt.Fprintf(w, "user:            %s (uid %d, gid %d)\n", h.User, h.UID, h.GID)
	fmt.Fprintf(w, "rootless:        %v\n", h.Rootless)
	fmt.Fprintf(w, "uid map:         %v\n", h.UIDMap)
	fmt.Fprintf(w, "gid map:         %v\n", h.GIDMap)
	fmt.Fprintf(w, "subuid ranges:   %s\n", orNone(h.SubUIDRanges))
	fmt.Fprintf(w, "subgid ranges:   %s\n", orNone(h.SubGIDRanges))
	fmt.Fprintf(w, "newuidmap:       %s\n", orNone(h.NewUIDMap))
	fmt.Fprintf(w, "native overlay:  %v\n", h.NativeOverlay)
	fmt.Fprintf(w, "storage driver:  %s\n", driver)
	fmt.Fprintf(w, "graph root:      %s\n", graph)
	fmt.Fprintf(w, "run root:        %s\n", run)
	for _, p := range h.Problems {
		fmt.Fprintf(w, "problem:         %s\n", p)
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
