package sandbox

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// stdio gives the container pipes we own, never the caller's files or
// readers directly:
//   - libcontainer chowns a non-root process's stdio to its uid, which
//     would give the caller's terminal away to an id of the build;
//   - with plain writers exec makes the pipes itself and its Wait blocks
//     until they reach EOF, which libcontainer's start-failure path calls
//     while the container init still holds them: a deadlock;
//   - with a plain reader exec's Wait blocks until it reaches EOF, which a
//     terminal nobody types into never does.
//
// Output is copied as it comes.
type stdio struct {
	child   [3]*os.File // what the container gets; nil means /dev/null
	parent  [3]*os.File // our ends
	copying sync.WaitGroup
}

func newStdio(in io.Reader, out, errw io.Writer) (*stdio, error) {
	s := &stdio{}
	if in != nil {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, fmt.Errorf("creating the stdin pipe: %w", err)
		}
		s.child[0], s.parent[0] = r, w
		// Not in copying: it ends at EOF or at the first write after close.
		go func() {
			_, _ = io.Copy(w, in)
			w.Close()
		}()
	}
	if out != nil && sameWriter(out, errw) {
		// One pipe for both, as exec does: two copies into one writer
		// would interleave badly (bytes.Buffer.ReadFrom even loses data).
		if err := s.pipeOut(out, 1, 2); err != nil {
			s.close()
			return nil, err
		}
		return s, nil
	}
	for i, dst := range []io.Writer{out, errw} {
		if dst == nil {
			continue
		}
		if err := s.pipeOut(dst, i+1); err != nil {
			s.close()
			return nil, err
		}
	}
	return s, nil
}

// pipeOut makes one pipe whose write end the container gets as each of
// fds, and copies what comes out of it into dst.
func (s *stdio) pipeOut(dst io.Writer, fds ...int) error {
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("creating an output pipe: %w", err)
	}
	for _, fd := range fds {
		s.child[fd] = w
	}
	s.parent[fds[0]] = r
	// Hide any ReadFrom: copy with plain Writes, as they come.
	plain := struct{ io.Writer }{dst}
	s.copying.Go(func() { _, _ = io.Copy(plain, r) })
	return nil
}

// sameWriter reports whether a and b are the same writer; writers that
// cannot be compared are different.
func sameWriter(a, b io.Writer) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

// reader and writer return the container's ends as interfaces that are nil
// when there is no stream (a typed nil *os.File would not be).
func (s *stdio) reader() io.Reader {
	if s.child[0] == nil {
		return nil
	}
	return s.child[0]
}

func (s *stdio) writer(i int) io.Writer {
	if s.child[i] == nil {
		return nil
	}
	return s.child[i]
}

// started drops our copies of the container's ends once it holds its own,
// so the output copies end when the last process in the container exits.
func (s *stdio) started() {
	for i, f := range s.child {
		if f != nil {
			f.Close() // a shared pipe's second Close just fails
			s.child[i] = nil
		}
	}
}

// drain waits for the output copies to finish, but not forever: a process
// that escaped the container's teardown and holds a pipe must not hang the
// build.
func (s *stdio) drain(limit time.Duration) { waitAtMost(&s.copying, limit) }

// waitAtMost waits for wg, or for limit, whichever comes first.
func waitAtMost(wg *sync.WaitGroup, limit time.Duration) {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(limit):
	}
}

// close releases every pipe end still open and waits for the output copies,
// which end at once on their closed pipes, so nothing is written to the
// caller's writers after Run returns.
func (s *stdio) close() {
	s.started()
	for _, f := range s.parent {
		if f != nil {
			f.Close()
		}
	}
	s.copying.Wait()
}
