package layers

import (
	"archive/tar"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	graphdriver "go.podman.io/storage/drivers"
	"go.podman.io/storage/pkg/archive"
	"go.podman.io/storage/pkg/idtools"
	"go.podman.io/storage/types"
)

// recordOwnerEnv is set by the sandbox package ("uid:gid" of the caller)
// when stagebox runs without any user namespace as non-root (the proot
// tier): every file on disk then belongs to the caller, who stands for the
// image's root, and every other owner is kept in the override xattr.
const recordOwnerEnv = "STAGEBOX_RECORD_OWNER"

// overrideKey is the PAX record of containers-storage's override xattr
// ("uid:gid:mode:type", idtools.ContainersOverrideXattr): the in-image
// owner, mode and type of a file that could not have them on disk, written
// by applyAsCaller for pulled layers and by unpack for COPY. It never reaches an image: layer tars carry it in
// their headers instead.
const overrideKey = "SCHILY.xattr." + idtools.ContainersOverrideXattr

// callerAsRoot maps in-image root to the caller's own ids: storage then
// creates layers as the caller and writes the caller's files as 0:0 in
// layer tars; every other owner lives in the override xattr.
func callerAsRoot(opts *types.StoreOptions) error {
	v := os.Getenv(recordOwnerEnv)
	if v == "" {
		return nil
	}
	u, g, ok := strings.Cut(v, ":")
	uid, err1 := strconv.Atoi(u)
	gid, err2 := strconv.Atoi(g)
	if !ok || err1 != nil || err2 != nil {
		return fmt.Errorf("%s=%q: want uid:gid", recordOwnerEnv, v)
	}
	opts.UIDMap, opts.GIDMap = rootAs(uid), rootAs(gid)
	opts.GraphDriverOptions = append(opts.GraphDriverOptions, "vfs.ignore_chown_errors=true")
	// storage applies layers in a chroot'ed helper, which a process with
	// no namespace and no capability cannot make; the archive code itself
	// resolves every entry inside the layer's directory.
	graphdriver.ApplyUncompressedLayer = applyAsCaller
	return nil
}

func rootAs(id int) []idtools.IDMap {
	return []idtools.IDMap{{ContainerID: 0, HostID: id, Size: 1}}
}

// applyAsCaller unpacks a layer without chroot (storage's chroot'ed
// helper needs a capability), every file owned by the caller, writable by
// it (the caller has no CAP_DAC_OVERRIDE, and images hold 0555
// directories), the real owner, mode and type kept in the override xattr.
func applyAsCaller(dest string, layer io.Reader, options *archive.TarOptions) (int64, error) {
	uid, gid := os.Getuid(), os.Getgid()
	if err := os.Chmod(dest, 0o755); err != nil { // vfs makes layer roots 0555
		return 0, err
	}
	if options == nil {
		options = &archive.TarOptions{}
	}
	options.UIDMaps, options.GIDMaps, options.ChownOpts, options.ForceMask = nil, nil, nil, nil
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(rewriteTar(layer, pw, func(h *tar.Header) { asCaller(h, uid, gid) }))
	}()
	defer pr.Close()
	return archive.ApplyUncompressedLayer(dest, pr, options)
}

// asCaller moves a header's owner, mode and special type into the override
// xattr and makes the entry one the caller can create and own.
func asCaller(h *tar.Header, uid, gid int) {
	mode := os.FileMode(h.Mode & 0o777)
	major, minor := 0, 0
	switch h.Typeflag {
	case tar.TypeSymlink, tar.TypeLink, tar.TypeXGlobalHeader:
		return // links cannot carry user xattrs; hardlinks share their target's
	case tar.TypeDir:
		mode |= os.ModeDir
		h.Mode |= 0o700
	case tar.TypeChar, tar.TypeBlock:
		mode |= os.ModeDevice
		if h.Typeflag == tar.TypeChar {
			mode |= os.ModeCharDevice
		}
		major, minor = int(h.Devmajor), int(h.Devminor)
		h.Typeflag, h.Devmajor, h.Devminor = tar.TypeReg, 0, 0 // mknod needs a capability
		h.Mode |= 0o600
	case tar.TypeFifo:
		mode |= os.ModeNamedPipe
		h.Mode |= 0o600
	default:
		h.Mode |= 0o600
	}
	for bit, m := range map[int64]os.FileMode{0o4000: os.ModeSetuid, 0o2000: os.ModeSetgid, 0o1000: os.ModeSticky} {
		if h.Mode&bit != 0 {
			mode |= m
		}
	}
	if h.PAXRecords == nil {
		h.PAXRecords = map[string]string{}
	}
	h.PAXRecords[overrideKey] = idtools.FormatContainersOverrideXattrDevice(h.Uid, h.Gid, mode, major, minor)
	h.Uid, h.Gid, h.Uname, h.Gname = uid, gid, "", ""
	h.Format = tar.FormatPAX
}

// callerWritableRoot makes a mounted layer's root writable by the caller
// under proot as non-root: vfs makes an empty layer's root 0555, and the
// caller has no CAP_DAC_OVERRIDE to write there anyway.
func callerWritableRoot(path string) error {
	if os.Getenv(recordOwnerEnv) == "" {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm()&0o700 == 0o700 {
		return err
	}
	return os.Chmod(path, fi.Mode().Perm()|0o700)
}

// recordedOwners rewrites a layer tar's headers: a file carrying the
// override xattr gets the ids, mode and type it names, and the attribute is
// dropped. Without recordOwnerEnv the stream passes through untouched.
func recordedOwners(rc io.ReadCloser) io.ReadCloser {
	if os.Getenv(recordOwnerEnv) == "" {
		return rc
	}
	pr, pw := io.Pipe()
	go func() {
		err := rewriteTar(rc, pw, applyOwnerXattr)
		rc.Close()
		pw.CloseWithError(err)
	}()
	return pr
}

// rewriteTar copies a tar stream, passing each header through edit.
func rewriteTar(r io.Reader, w io.Writer, edit func(*tar.Header)) error {
	tr, tw := tar.NewReader(r), tar.NewWriter(w)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return tw.Close()
		}
		if err != nil {
			return err
		}
		edit(hdr)
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return err
		}
	}
}

// applyOwnerXattr moves a recorded owner from the PAX records to the header.
func applyOwnerXattr(hdr *tar.Header) {
	v, ok := hdr.PAXRecords[overrideKey]
	if !ok {
		return
	}
	delete(hdr.PAXRecords, overrideKey)
	// archive/tar mirrors SCHILY.xattr records in the deprecated Xattrs
	// field and writes them back from there too.
	delete(hdr.Xattrs, idtools.ContainersOverrideXattr) //nolint:staticcheck
	if len(hdr.PAXRecords) == 0 {
		hdr.PAXRecords = nil
	}
	f := strings.Split(v, ":")
	if len(f) < 3 {
		return
	}
	uid, err1 := strconv.Atoi(f[0])
	gid, err2 := strconv.Atoi(f[1])
	mode, err3 := strconv.ParseUint(f[2], 8, 32)
	if err1 != nil || err2 != nil || err3 != nil {
		return
	}
	hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = uid, gid, "", ""
	hdr.Mode = hdr.Mode&^0o7777 | int64(mode&0o7777)
	if len(f) > 3 {
		applyOverrideType(hdr, f[3])
	}
}

// applyOverrideType restores a special file that a force mask stored as a
// regular file: "pipe", "char-MAJOR-MINOR", "block-MAJOR-MINOR".
func applyOverrideType(hdr *tar.Header, typ string) {
	if hdr.Typeflag != tar.TypeReg {
		return
	}
	kind, rest, _ := strings.Cut(typ, "-")
	maj, min, _ := strings.Cut(rest, "-")
	major, err1 := strconv.ParseInt(maj, 10, 64)
	minor, err2 := strconv.ParseInt(min, 10, 64)
	switch {
	case kind == "pipe":
		hdr.Typeflag, hdr.Size = tar.TypeFifo, 0
	case (kind == "char" || kind == "block") && err1 == nil && err2 == nil:
		hdr.Typeflag, hdr.Size, hdr.Devmajor, hdr.Devminor = tar.TypeChar, 0, major, minor
		if kind == "block" {
			hdr.Typeflag = tar.TypeBlock
		}
	}
}
