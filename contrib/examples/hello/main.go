// Command app is stagebox's demo program: built in a golang stage, copied
// into a FROM scratch image, run with `stagebox run`.
package main

import (
	"fmt"
	"runtime"
)

func main() {
	fmt.Printf("hello from stagebox (%s/%s, %s)\n", runtime.GOOS, runtime.GOARCH, runtime.Version())
}
