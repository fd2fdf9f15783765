package unpack

import (
	"archive/tar"
	"bytes"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// petabyte is far more than any test machine has free.
const petabyte = int64(1) << 50

// TestAddRefusesEntryLargerThanFreeSpace: a header can declare any size;
// the entry is refused before a byte is written, instead of filling the
// disk and failing on the truncated data.
func TestAddRefusesEntryLargerThanFreeSpace(t *testing.T) {
	tolerateChown(t)
	ctx, dst := roots(t)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	must(t, tw.WriteHeader(&tar.Header{Name: "huge", Typeflag: tar.TypeReg, Mode: 0o644, Size: petabyte}))
	tw.Write(bytes.Repeat([]byte("x"), 4096)) // then the archive just ends
	writeArchive(t, ctx, "huge.tar", buf.Bytes())

	err := Copy(addSpec(ctx, dst, "/x/", "huge.tar"))
	if err == nil || !strings.Contains(err.Error(), "free") {
		t.Fatalf("ADD of a 1 PiB entry: %v, want a refusal naming the free space", err)
	}
	assertMissing(t, filepath.Join(dst, "x/huge"))
}

// TestAddRefusesSparseEntryLargerThanFreeSpace: a sparse entry of a few
// hundred bytes expands to its full declared size when extracted.
// Without the check it writes zeros until the disk is full, so the
// destination is a small tmpfs (root only) to keep a regression cheap.
func TestAddRefusesSparseEntryLargerThanFreeSpace(t *testing.T) {
	requireRoot(t)
	ctx, dst := roots(t)
	must(t, unix.Mount("tmpfs", dst, "tmpfs", 0, "size=4m"))
	t.Cleanup(func() { unix.Unmount(dst, unix.MNT_DETACH) })
	writeArchive(t, ctx, "sparse.tar", gnuSparseTar("holes", 1<<30))

	err := Copy(addSpec(ctx, dst, "/x/", "sparse.tar"))
	if err == nil || !strings.Contains(err.Error(), "free") {
		t.Fatalf("ADD of a 1 GiB sparse entry onto 4 MiB: %v, want a refusal naming the free space", err)
	}
	assertMissing(t, filepath.Join(dst, "x/holes"))
}

// TestAddCountsEveryEntryAgainstFreeSpace: many entries that each fit may
// together not.
func TestAddCountsEveryEntryAgainstFreeSpace(t *testing.T) {
	x := &extractor{room: petabyte/2 + 1}
	if err := x.reserve(&tar.Header{Name: "half0", Size: petabyte / 2}); err != nil {
		t.Fatalf("first half refused: %v", err)
	}
	if err := x.reserve(&tar.Header{Name: "half1", Size: petabyte / 2}); err == nil {
		t.Fatal("second half accepted although both do not fit")
	}
}

// gnuSparseTar is an old-GNU sparse archive (type 'S') holding one file of
// realSize bytes whose only data is its last byte. Go's tar writer cannot
// write sparse files, so the header is laid out by hand.
func gnuSparseTar(name string, realSize int64) []byte {
	hdr := make([]byte, 512)
	copy(hdr[0:100], name)
	copy(hdr[100:108], "0000644\x00")
	copy(hdr[108:116], "0000000\x00")
	copy(hdr[116:124], "0000000\x00")
	copy(hdr[124:136], "00000000001\x00") // stored data: one byte
	copy(hdr[136:148], "00000000000\x00")
	hdr[156] = 'S'
	copy(hdr[257:265], "ustar  \x00")
	putBase256(hdr[386:398], realSize-1) // sparse[0].offset
	copy(hdr[398:410], "00000000001\x00")
	putBase256(hdr[483:495], realSize) // realsize
	copy(hdr[148:156], "        ")
	sum := 0
	for _, b := range hdr {
		sum += int(b)
	}
	copy(hdr[148:156], fmt.Sprintf("%06o\x00 ", sum))
	data := make([]byte, 512)
	data[0] = 'x'
	return append(append(hdr, data...), make([]byte, 1024)...)
}

// putBase256 writes n in GNU's binary form for numbers too big for octal.
func putBase256(field []byte, n int64) {
	clear(field)
	binary.BigEndian.PutUint64(field[len(field)-8:], uint64(n))
	field[0] |= 0x80
}
