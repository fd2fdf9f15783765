package sandbox

import (
	"fmt"
	"io"
	"os"
)

// The container never gets the caller's own files as stdio: libcontainer
// chowns a non-root process's stdio to its uid, which would give the
// caller's terminal away to an id of the build. It gets pipes instead.

// hideFile hides an *os.File behind a plain writer, so exec makes a pipe
// and copies from it as output comes. exec's Wait returns once every
// process in the container (its PID namespace dies with its init) has
// closed the pipe.
func hideFile(w io.Writer) io.Writer {
	if w == nil {
		return nil
	}
	return struct{ io.Writer }{w}
}

// stdin feeds the container from its own pipe. exec would copy a plain
// reader too, but its Wait then blocks until that reader hits EOF, which a
// terminal nobody types into never does; with our own pipe, closing the
// write end after the run is enough.
type stdin struct {
	r, w *os.File
}

func newStdin(src io.Reader) (*stdin, error) {
	if src == nil {
		return &stdin{}, nil
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("creating the stdin pipe: %w", err)
	}
	go func() {
		// The copy ends at EOF, or at the first write after close().
		_, _ = io.Copy(w, src)
		w.Close()
	}()
	return &stdin{r: r, w: w}, nil
}

// child is what the container reads; nil means /dev/null.
func (s *stdin) child() io.Reader {
	if s.r == nil {
		return nil
	}
	return s.r
}

// started drops the parent's copy of the read end once the container has
// its own, so the container sees EOF when the copy ends.
func (s *stdin) started() {
	if s.r != nil {
		s.r.Close()
		s.r = nil
	}
}

func (s *stdin) close() {
	s.started()
	if s.w != nil {
		s.w.Close()
	}
}
