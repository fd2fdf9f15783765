// Command lookpath prints where Go's exec.LookPath finds each argument and
// fails on the first it cannot find. LookPath checks a file with
// faccessat2 (syscall.Faccessat with AT_EACCESS), as `go build` does for
// its compiler; the e2e suite builds this static and runs it in a proot
// RUN for a path that exists only in the rootfs:
//
//	lookpath /only/in/the/image/tool
package main

import (
	"fmt"
	"os"
	"os/exec"
)

func main() {
	for _, name := range os.Args[1:] {
		p, err := exec.LookPath(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, "lookpath:", err)
			os.Exit(1)
		}
		fmt.Println(p)
	}
}
