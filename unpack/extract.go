package unpack

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Magic numbers of the compressions ADD understands. Docker detects archives
// by content, never by file name.
var (
	magicGzip  = []byte{0x1f, 0x8b, 0x08}
	magicBzip2 = []byte("BZh")
	magicXz    = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
	magicZstd  = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// decompress returns r decompressed according to its magic number, or r
// itself when it is not compressed.
func decompress(r io.Reader) (io.ReadCloser, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(6)
	if err != nil && err != io.EOF {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(head, magicGzip):
		return gzip.NewReader(br)
	case bytes.HasPrefix(head, magicBzip2):
		return io.NopCloser(bzip2.NewReader(br)), nil
	case bytes.HasPrefix(head, magicXz):
		xr, err := xz.NewReader(br)
		if err != nil {
			return nil, err
		}
		return io.NopCloser(xr), nil
	case bytes.HasPrefix(head, magicZstd):
		// One goroutine and bounded memory: archives come from the user's context.
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30))
		if err != nil {
			return nil, err
		}
		return zr.IOReadCloser(), nil
	}
	return io.NopCloser(br), nil
}

// isTarStream reports whether r, once decompressed, starts with a valid tar
// header. Like BuildKit, anything else (including a compressed non-tar) is
// copied as an ordinary file.
func isTarStream(r io.Reader) bool {
	dr, err := decompress(r)
	if err != nil {
		return false
	}
	defer dr.Close()
	_, err = tar.NewReader(dr).Next()
	return err == nil
}

// extractIfArchive extracts match m into directory dest when it is a tar
// archive, and reports whether it did.
func (c *copier) extractIfArchive(m match, dest string) (bool, error) {
	f, err := c.src.openItem(item{kind: kindFile, src: m.rel, st: statOf(m.info)})
	if err != nil {
		return false, err
	}
	defer f.Close()
	if !isTarStream(f) {
		return false, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return false, fmt.Errorf("%q: %w", m.written, err)
	}
	if err := c.ensureDir(dest); err != nil {
		return false, err
	}
	dr, err := decompress(f)
	if err != nil {
		return false, fmt.Errorf("%q: decompressing: %w", m.written, err)
	}
	defer dr.Close()
	x := &extractor{w: c.w, dest: dest, chown: c.spec.Chown}
	if err := x.extract(dr); err != nil {
		return true, fmt.Errorf("extracting %q: %w", m.written, err)
	}
	return true, nil
}
