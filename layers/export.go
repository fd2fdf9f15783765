package layers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/stagebox/stagebox/unpack"
	"go.podman.io/image/v5/docker/archive"
	"go.podman.io/image/v5/docker/reference"
	ociarchive "go.podman.io/image/v5/oci/archive"
	"go.podman.io/image/v5/types"
	storarchive "go.podman.io/storage/pkg/archive"
)

// Output is where `bud --output` writes the target, BuildKit's spelling:
// Type "local" (the files, into directory Dest), "tar" (the files as one
// tar, Dest "-" meaning Stdout), "oci" (an oci-archive) or "docker" (a
// docker-archive that `docker load` reads).
type Output struct {
	Type, Dest string
	Stdout     io.Writer // for Dest "-"
}

// OutputTypes are the Output types Export knows.
var OutputTypes = []string{"local", "tar", "oci", "docker"}

// Export writes the image made of the chain ending at topLayer with config
// cfg (as Commit takes them) to o, without storing an image; names, when
// given, tag a docker archive. It returns the image ID the config gives.
func (s *Store) Export(ctx context.Context, topLayer string, cfg ImageSpec, names []string, o Output) (string, error) {
	img, tmpDir, err := s.prepareImage(topLayer, nil, cfg)
	if tmpDir != "" {
		defer os.RemoveAll(tmpDir)
	}
	if err != nil {
		return "", fmt.Errorf("output: %w", err)
	}
	id := img.configDigest.Encoded()
	switch o.Type {
	case "local", "tar":
		return id, s.exportFiles(topLayer, o)
	case "oci", "docker":
		return id, exportArchive(ctx, img, names, o)
	}
	return "", fmt.Errorf("--output type=%s: unknown type: use one of local, tar, oci, docker", o.Type)
}

// exportArchive writes img as an oci-archive or docker-archive file,
// replacing what the file held.
func exportArchive(ctx context.Context, img *commitImage, names []string, o Output) error {
	if err := os.Remove(o.Dest); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("--output %s: %w", o.Dest, err)
	}
	var dest types.ImageReference
	var err error
	if o.Type == "oci" {
		dest, err = ociarchive.NewReference(o.Dest, "")
	} else {
		var named reference.NamedTagged
		if len(names) > 0 {
			if n, perr := normalizedNamed(names[0]); perr == nil {
				named, _ = reference.TagNameOnly(n).(reference.NamedTagged)
			}
		}
		dest, err = archive.NewReference(o.Dest, named)
	}
	if err != nil {
		return fmt.Errorf("--output %s: %w", o.Dest, err)
	}
	if _, err := copyImage(ctx, commitRef{img}, dest, nil); err != nil {
		return fmt.Errorf("--output type=%s,dest=%s: %w", o.Type, o.Dest, err)
	}
	return nil
}

// exportFiles writes the target's files as a tar, or unpacks them into a
// directory owned by whoever runs stagebox (as root: root; rootless: the
// user, who is root in stagebox's user namespace).
func (s *Store) exportFiles(topLayer string, o Output) error {
	id, err := s.NewLayer(topLayer)
	if err != nil {
		return err
	}
	defer s.DeleteLayer(id)
	root, err := s.Mount(id)
	if err != nil {
		return err
	}
	defer s.Unmount(id)
	rc, err := storarchive.TarWithOptions(root, &storarchive.TarOptions{Compression: storarchive.Uncompressed})
	if err != nil {
		return fmt.Errorf("--output: reading the target's files: %w", err)
	}
	defer rc.Close()
	switch {
	case o.Type == "local":
		if err := os.MkdirAll(o.Dest, 0o755); err != nil {
			return fmt.Errorf("--output %s: %w", o.Dest, err)
		}
		if err := storarchive.Untar(rc, o.Dest, &storarchive.TarOptions{NoLchown: true}); err != nil {
			return fmt.Errorf("--output %s: %w", o.Dest, err)
		}
		return nil
	case o.Dest == "-":
		_, err = io.Copy(o.Stdout, rc)
	default:
		err = createFrom(o.Dest, rc)
	}
	if err != nil {
		return fmt.Errorf("--output type=tar,dest=%s: %w", o.Dest, err)
	}
	return nil
}

// createFrom writes r to path, replacing it.
func createFrom(path string, r io.Reader) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// normalizedNamed is name as Commit stores it (localhost/NAME:latest for a
// bare NAME), as a reference.
func normalizedNamed(name string) (reference.Named, error) {
	norm, err := unpack.NormalizeName(name)
	if err != nil {
		return nil, err
	}
	return reference.ParseNormalizedNamed(norm)
}

// prepareImage assembles the image of the chain ending at topLayer and the
// registry cache hits remote on it, with cfg, for writing somewhere other
// than the store. New layers are diffed into tmpDir, which the caller
// removes (also after an error).
func (s *Store) prepareImage(topLayer string, remote []*RemoteEntry, cfg ImageSpec) (img *commitImage, tmpDir string, err error) {
	chain, err := layerChain(s.store, topLayer)
	if err != nil {
		return nil, "", err
	}
	if tmpDir, err = s.tempDir(); err != nil {
		return nil, "", err
	}
	fillDefaults(&cfg)
	img, err = s.assemble(chain, remote, cfg, commitConfig{}, tmpDir)
	return img, tmpDir, err
}
