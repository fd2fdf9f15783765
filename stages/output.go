package stages

import (
	"bytes"
	"io"
	"sync"
)

// linePrefixer writes whole lines, each with a prefix, so the output of
// stages running at once interleaves by line and says whose line it is.
// A partial line waits for its newline (or Close).
type linePrefixer struct {
	mu     sync.Mutex
	w      io.Writer
	prefix []byte
	buf    []byte
}

func newLinePrefixer(w io.Writer, prefix string) *linePrefixer {
	return &linePrefixer{w: w, prefix: []byte(prefix)}
}

func (l *linePrefixer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		if err := l.emit(l.buf[:i+1]); err != nil {
			return len(p), err
		}
		l.buf = l.buf[i+1:]
	}
}

// Close writes a trailing partial line, newline-terminated.
func (l *linePrefixer) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) == 0 {
		return nil
	}
	err := l.emit(append(l.buf, '\n'))
	l.buf = nil
	return err
}

// emit writes prefix+line in one Write, which the builder's locked writer
// keeps whole.
func (l *linePrefixer) emit(line []byte) error {
	out := make([]byte, 0, len(l.prefix)+len(line))
	out = append(append(out, l.prefix...), line...)
	_, err := l.w.Write(out)
	return err
}
