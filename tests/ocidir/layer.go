package ocidir

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"

	"github.com/klauspost/compress/zstd"
	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// MaxData is the largest regular file whose content Read keeps in memory;
// bigger files (a toolchain's) are checked and counted but not kept.
const MaxData = 4 << 20

// Layer is one layer's descriptor and its tar entries in order.
type Layer struct {
	Descriptor ocispec.Descriptor
	Entries    []Entry
}

// Entry is a tar header and, for regular files up to MaxData, the content.
type Entry struct {
	tar.Header
	Data []byte
}

// Compressed reports whether the layer blob is gzip.
func (l Layer) Compressed() bool {
	switch l.Descriptor.MediaType {
	case ocispec.MediaTypeImageLayerGzip, "application/vnd.docker.image.rootfs.diff.tar.gzip":
		return true
	}
	return false
}

// readLayer streams a layer blob, verifying its digest and size and that the
// uncompressed tar hashes to diffID.
func readLayer(dir string, desc ocispec.Descriptor, diffID digest.Digest) (Layer, error) {
	l := Layer{Descriptor: desc}
	f, err := os.Open(blobPath(dir, desc.Digest))
	if err != nil {
		return l, err
	}
	defer f.Close()
	blob := &countingHash{h: sha256.New()}
	var r io.Reader = io.TeeReader(f, blob)
	switch desc.MediaType {
	case ocispec.MediaTypeImageLayer, "application/vnd.docker.image.rootfs.diff.tar":
	case ocispec.MediaTypeImageLayerGzip, "application/vnd.docker.image.rootfs.diff.tar.gzip":
		gz, err := gzip.NewReader(r)
		if err != nil {
			return l, fmt.Errorf("gzip: %w", err)
		}
		r = gz
	case ocispec.MediaTypeImageLayerZstd:
		zr, err := zstd.NewReader(r)
		if err != nil {
			return l, fmt.Errorf("zstd: %w", err)
		}
		defer zr.Close()
		r = zr
	default:
		return l, fmt.Errorf("unexpected layer media type %q", desc.MediaType)
	}
	diff := &countingHash{h: sha256.New()}
	entries, err := readEntries(io.TeeReader(r, diff))
	if err != nil {
		return l, err
	}
	l.Entries = entries
	// Padding past the tar's end-of-archive blocks still counts.
	if _, err := io.Copy(io.Discard, io.TeeReader(r, diff)); err != nil {
		return l, err
	}
	if _, err := io.Copy(blob, f); err != nil {
		return l, err
	}
	if blob.n != desc.Size {
		return l, fmt.Errorf("blob is %d bytes, descriptor says %d", blob.n, desc.Size)
	}
	if got := blob.digest(); got != desc.Digest {
		return l, fmt.Errorf("blob has digest %s", got)
	}
	if got := diff.digest(); got != diffID {
		return l, fmt.Errorf("uncompressed tar has digest %s, config's diff_id is %s", got, diffID)
	}
	return l, nil
}

func readEntries(r io.Reader) ([]Entry, error) {
	var entries []Entry
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return entries, nil
		}
		if err != nil {
			return nil, fmt.Errorf("tar: %w", err)
		}
		e := Entry{Header: *h}
		if h.Typeflag == tar.TypeReg && h.Size <= MaxData {
			if e.Data, err = io.ReadAll(tr); err != nil {
				return nil, fmt.Errorf("tar entry %s: %w", h.Name, err)
			}
		}
		entries = append(entries, e)
	}
}

type countingHash struct {
	h hash.Hash
	n int64
}

func (c *countingHash) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.h.Write(p)
}

func (c *countingHash) digest() digest.Digest {
	return digest.NewDigestFromEncoded(digest.SHA256, hex.EncodeToString(c.h.Sum(nil)))
}
