package layers

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"

	digest "github.com/opencontainers/go-digest"
	"github.com/vbatts/tar-split/archive/tar"
	"github.com/vbatts/tar-split/tar/asm"
	tarsplit "github.com/vbatts/tar-split/tar/storage"
	"go.podman.io/storage"
	drivers "go.podman.io/storage/drivers"
	"go.podman.io/storage/pkg/archive"
	"go.podman.io/storage/pkg/tarlog"
)

// errCannotSeal means the driver keeps no staged layers (vfs, composefs):
// the layer stays as it is and Commit copies it the slow way.
var errCannotSeal = errors.New("the storage driver cannot seal layers")

// seal turns a finished working layer into what a layer pulled from a tar
// is, and returns that layer's ID: a layer that knows the digest and size
// of its diff and keeps the tar-split that lets storage reproduce the tar
// byte for byte, with the ID containers/image gives such a layer (the
// chain ID of its parent and diff). Commit then makes images on the
// build's own layers, push streams them, and a later pull of the same
// image into this store finds them by ID instead of failing on an image
// ID that stands on other layers.
//
// Nothing is copied: the working layer's directory is handed to storage's
// staged-layer API, which renames it into the new layer; the working layer
// is left empty for its build to delete. If the store already has the
// chain ID's layer, that layer has these very contents and is returned
// instead, and the working layer keeps its files until its build deletes
// it. Like containers/image, which commits pulled layers the same way,
// this checks for the ID before creating it.
//
// It must run before anything else can mount the working layer (its
// directory moves away): RecordCache calls it before naming a cache entry.
// A layer it makes gets names as it is created, in the same write of the
// store's metadata; created says whether it made one. A layer that is
// already sealed is returned as it is.
func (s *Store) seal(layerID string, names []string) (id string, created bool, err error) {
	l, err := s.store.Layer(layerID)
	if err != nil {
		return "", false, fmt.Errorf("reading layer %s: %w", shortID(layerID), err)
	}
	if l.UncompressedDigest != "" {
		return layerID, false, nil
	}
	dir, err := s.store.DifferTarget(layerID)
	if errors.Is(err, storage.ErrNotSupported) {
		return "", false, errCannotSeal
	}
	if err != nil {
		return "", false, fmt.Errorf("locating layer %s: %w", shortID(layerID), err)
	}
	d, err := describeDiff(s.store, layerID, dir)
	if err != nil {
		return "", false, err
	}
	defer d.tarSplit.Close() // storage closes it too once it has it
	id = chainID(l.Parent, d.digest)
	if existing, err := s.store.Layer(id); err == nil {
		return existing.ID, false, nil
	}
	out, err := s.store.PrepareStagedLayer(nil, d)
	if err != nil {
		// The differ puts everything back when it fails.
		if errors.Is(err, errCannotSeal) {
			return "", false, errCannotSeal
		}
		return "", false, fmt.Errorf("sealing layer %s: %w", shortID(layerID), err)
	}
	opts := storage.ApplyStagedLayerOptions{ID: id, ParentLayer: l.Parent, Names: names, MountLabel: l.MountLabel, DiffOutput: out}
	if _, err := s.store.ApplyStagedLayer(opts); err != nil {
		if _, serr := os.Lstat(out.Target); serr == nil {
			// Still staged: swap the empty placeholder for the files.
			if rerr := errors.Join(os.Remove(dir), os.Rename(out.Target, dir)); rerr != nil {
				return "", false, fmt.Errorf("sealing layer %s: %w (and moving its files back: %v)", shortID(layerID), err, rerr)
			}
		}
		_ = s.store.CleanupStagedLayer(out)
		return "", false, fmt.Errorf("sealing layer %s: %w", shortID(layerID), err)
	}
	return id, true, nil
}

// chainID is the ID containers/image gives the layer with diff on parent.
func chainID(parent string, diff digest.Digest) string {
	if parent == "" {
		return diff.Encoded()
	}
	return digest.Canonical.FromString(parent + "+" + diff.Encoded()).Encoded()
}

// sealedDiff is a layer's diff as measured by describeDiff, and the
// storage Differ that hands the layer's own directory to the staging area.
type sealedDiff struct {
	dir      string // the layer's files, moved out by ApplyDiff
	digest   digest.Digest
	size     int64
	uids     []uint32
	gids     []uint32
	tarSplit *os.File // uncompressed tar-split JSON, unlinked
	mode     os.FileMode
}

// describeDiff streams the layer's diff once, hashing it and recording its
// tar-split (headers and padding; file contents are only checksummed),
// and notes the ids its files use, as storage does when it applies a tar.
func describeDiff(st storage.Store, layerID, dir string) (*sealedDiff, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("reading layer %s: %w", shortID(layerID), err)
	}
	ts, err := os.CreateTemp(path.Dir(dir), ".tar-split-")
	if err != nil {
		return nil, fmt.Errorf("sealing layer %s: %w", shortID(layerID), err)
	}
	os.Remove(ts.Name()) // only this descriptor needs it
	// The directory's own mode is the layer's root mode: without it storage
	// would reset it to the parent layer's.
	d := &sealedDiff{dir: dir, tarSplit: ts, mode: fi.Mode()}
	if err := d.measure(st, layerID); err != nil {
		ts.Close()
		return nil, fmt.Errorf("sealing layer %s: %w", shortID(layerID), err)
	}
	return d, nil
}

func (d *sealedDiff) measure(st storage.Store, layerID string) error {
	rc, err := diffLayer(st, layerID)
	if err != nil {
		return err
	}
	defer rc.Close()
	uids, gids := map[uint32]struct{}{}, map[uint32]struct{}{}
	ids, err := tarlog.NewLogger(func(h *tar.Header) {
		if !strings.HasPrefix(path.Base(h.Name), archive.WhiteoutPrefix) {
			uids[uint32(h.Uid)] = struct{}{}
			gids[uint32(h.Gid)] = struct{}{}
		}
	})
	if err != nil {
		return err
	}
	digester := digest.Canonical.Digester()
	counter := &countingWriter{}
	tee := io.TeeReader(rc, io.MultiWriter(digester.Hash(), counter, ids))
	// Buffered: the packer writes each entry, two a file, on its own.
	buf := bufio.NewWriterSize(d.tarSplit, 64<<10)
	stream, done, err := asm.NewInputTarStreamWithDone(tee, newNamelessPacker(buf), tarsplit.NewDiscardFilePutter())
	if err != nil {
		ids.Close()
		return err
	}
	_, err = io.Copy(io.Discard, stream)
	stream.Close()
	if derr := <-done; err == nil {
		err = derr
	}
	if cerr := ids.Close(); err == nil {
		err = cerr
	}
	if ferr := buf.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return fmt.Errorf("reading its diff: %w", err)
	}
	d.digest, d.size = digester.Digest(), counter.n
	d.uids, d.gids = sortedIDs(uids), sortedIDs(gids)
	return nil
}

// ApplyDiff is the storage Differ: it moves the layer's directory to dest
// (an empty directory storage made in its staging area on the same
// filesystem), leaves an empty directory in its place, so the working
// layer stays a valid (empty) layer, and reports what describeDiff
// measured.
func (d *sealedDiff) ApplyDiff(dest string, _ *archive.TarOptions, opts *drivers.DifferOptions) (drivers.DriverWithDifferOutput, error) {
	if opts != nil && opts.Format != drivers.DifferOutputFormatDir {
		return drivers.DriverWithDifferOutput{}, errCannotSeal
	}
	if err := os.Remove(dest); err != nil {
		return drivers.DriverWithDifferOutput{}, err
	}
	if err := os.Rename(d.dir, dest); err != nil {
		return drivers.DriverWithDifferOutput{}, err
	}
	if err := os.Mkdir(d.dir, 0o700); err != nil {
		return drivers.DriverWithDifferOutput{}, errors.Join(err, os.Rename(dest, d.dir))
	}
	mode := d.mode
	return drivers.DriverWithDifferOutput{
		Target: dest, Size: d.size, UIDs: d.uids, GIDs: d.gids,
		UncompressedDigest: d.digest, TarSplit: d.tarSplit, RootDirMode: &mode,
	}, nil
}

func (d *sealedDiff) Close() error { return nil }

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

func sortedIDs(m map[uint32]struct{}) []uint32 {
	out := make([]uint32, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}
