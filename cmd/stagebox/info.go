package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/stagebox/stagebox/layers"
	"github.com/stagebox/stagebox/sandbox"
	"github.com/urfave/cli/v2"
)

func infoCommand() *cli.Command {
	return &cli.Command{
		Name:  "info",
		Usage: "show the user namespace, storage and what the host allows",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print JSON"}},
		Action: func(c *cli.Context) error {
			if _, err := chooseIsolation(c); err != nil {
				return reportNoIsolation(c, err)
			}
			st, err := openStore(c)
			if err != nil {
				return err
			}
			defer st.Shutdown()
			s := st.Storage()
			h := sandbox.Inspect(storageKind(st) == "native overlay")
			iso := sandbox.Current()
			iso.Line = sandbox.Announce(storageKind(st))
			causes := sandbox.Causes()
			h.Problems = append(h.Problems, storageProblems(st)...)
			if d := s.GraphDriverName(); d == "vfs" && st.Fallback() == nil && !sandbox.IsProot() {
				h.Notices = append(h.Notices, "this store uses the vfs driver, which copies every layer in full (chosen by configuration or after overlay failed here before); a store where overlay works is faster and smaller")
			}
			cacheMounts, err := st.CacheMountsSize()
			if err != nil {
				return err
			}
			info := map[string]any{
				"isolation": iso,
				"causes":    causes,
				"host":      h,
				"storage": map[string]any{"driver": s.GraphDriverName(), "graphRoot": s.GraphRoot(), "runRoot": s.RunRoot(), "options": s.GraphOptions(),
					"cacheMountsBytes": cacheMounts},
				"emulatedArchitectures": sandbox.EmulatedArchs(),
			}
			if c.Bool("json") {
				enc := json.NewEncoder(c.App.Writer)
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			printInfo(c.App.Writer, h, s.GraphDriverName(), s.GraphRoot(), s.RunRoot(), cacheMounts)
			printIsolation(c.App.Writer, iso, causes)
			printEmulation(c.App.Writer)
			return nil
		},
	}
}

func printInfo(w io.Writer, h sandbox.Host, driver, graph, run string, cacheMounts int64) {
	fmt.Fprintf(w, "user:            %s (uid %d, gid %d)\n", h.User, h.UID, h.GID)
	fmt.Fprintf(w, "rootless:        %v\n", h.Rootless)
	fmt.Fprintf(w, "uid map:         %v\n", h.UIDMap)
	fmt.Fprintf(w, "gid map:         %v\n", h.GIDMap)
	fmt.Fprintf(w, "subuid ranges:   %s\n", orNone(h.SubUIDRanges))
	fmt.Fprintf(w, "subgid ranges:   %s\n", orNone(h.SubGIDRanges))
	fmt.Fprintf(w, "newuidmap:       %s\n", orNone(h.NewUIDMap))
	fmt.Fprintf(w, "native overlay:  %v\n", h.NativeOverlay)
	fmt.Fprintf(w, "fuse device:     %s\n", map[bool]string{true: "/dev/fuse", false: "(none)"}[h.FuseDevice])
	fmt.Fprintf(w, "runtime dir:     %s\n", orNone(h.XDGRuntimeDir))
	fmt.Fprintf(w, "storage driver:  %s\n", driver)
	fmt.Fprintf(w, "graph root:      %s\n", graph)
	fmt.Fprintf(w, "run root:        %s\n", run)
	fmt.Fprintf(w, "cache mounts:    %d bytes (RUN --mount=type=cache directories; prune --cache-mounts removes them)\n", cacheMounts)
	for _, p := range h.Problems {
		fmt.Fprintf(w, "problem:         %s\n", p)
	}
	for _, n := range h.Notices {
		fmt.Fprintf(w, "notice:          %s\n", n)
	}
}

// storageProblems explains a store that cannot use native overlay.
func storageProblems(st *layers.Store) []string {
	const fix = "fix: put the store (--root) on ext4 or xfs (ftype=1), not on NFS or another network filesystem, with overlayfs loaded (modprobe overlay)"
	var probs []string
	if err := st.Fallback(); err != nil {
		probs = append(probs, fmt.Sprintf("the overlay storage driver cannot work here (%s), so this store uses vfs, which copies every layer in full and fills disks; %s, "+
			"or install fuse-overlayfs and give access to /dev/fuse", strings.Join(strings.Fields(err.Error()), " "), fix))
	}
	if st.FuseOverlay() {
		probs = append(probs, "native overlay mounts fail for this store, so storage mounts its layers with fuse-overlayfs, which is slower; "+fix)
	}
	return probs
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
