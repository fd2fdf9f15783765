package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"testing"
)

// member is one tar entry of a hand-made archive.
type member struct {
	hdr  tar.Header
	body string
}

func reg(name, body string) member {
	return member{tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))}, body}
}

func link(typ byte, name, target string) member {
	return member{hdr: tar.Header{Name: name, Typeflag: typ, Linkname: target, Mode: 0o777}}
}

func device(typ byte, name string, major, minor int64) member {
	return member{hdr: tar.Header{Name: name, Typeflag: typ, Mode: 0o666, Devmajor: major, Devminor: minor}}
}

// archive writes members as a tar; a member whose body is shorter than its
// declared size makes the archive end there (a truncated archive).
func archive(members ...member) string {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range members {
		hdr := m.hdr
		if err := tw.WriteHeader(&hdr); err != nil {
			panic(err)
		}
		io.WriteString(tw, m.body)
		if int64(len(m.body)) < hdr.Size {
			return buf.String()
		}
	}
	tw.Close()
	return buf.String()
}

func tarBytes(files map[string]string) []byte {
	var ms []member
	for name, body := range files {
		ms = append(ms, reg(name, body))
	}
	return []byte(archive(ms...))
}

// TestArchiveEntriesStayInTheDestination: ADD extracts whatever the
// archive says inside the destination rootfs, refuses names that climb
// out, and never creates device nodes or links to host files.
func TestArchiveEntriesStayInTheDestination(t *testing.T) {
	c := newCanary(t)
	climb := "../../../../../../../.."
	cases := []struct {
		name    string
		archive string
		wantErr string // "" means the build succeeds
		check   func(t *testing.T, b built)
	}{{
		name:    "../ entry",
		archive: archive(reg(climb+c.path("secret"), "pwned\n")),
		wantErr: "outside the destination",
	}, {
		name:    "absolute entry lands under the destination",
		archive: archive(reg(c.path("secret"), "pwned\n")),
		check:   func(t *testing.T, b built) { wantFile(t, b.files, "/x"+c.path("secret"), "pwned\n") },
	}, {
		name:    "write through an absolute symlink an earlier entry planted",
		archive: archive(link(tar.TypeSymlink, "out", c.dir), reg("out/secret", "pwned\n")),
		check:   func(t *testing.T, b built) { wantFile(t, b.files, c.path("secret"), "pwned\n") },
	}, {
		name:    "write through a climbing symlink an earlier entry planted",
		archive: archive(link(tar.TypeSymlink, "up", climb+c.dir), reg("up/sub/file", "pwned\n")),
		check:   func(t *testing.T, b built) { wantFile(t, b.files, c.path("sub/file"), "pwned\n") },
	}, {
		name:    "hard link to an absolute host path",
		archive: archive(link(tar.TypeLink, "hard", c.path("secret"))),
		wantErr: "hard link",
	}, {
		name:    "hard link climbing out",
		archive: archive(link(tar.TypeLink, "hard", climb+c.path("secret"))),
		wantErr: "outside the destination",
	}, {
		name:    "hard link through a planted symlink",
		archive: archive(link(tar.TypeSymlink, "out", c.dir), link(tar.TypeLink, "hard", "out/secret")),
		wantErr: "hard link",
	}, {
		name: "device nodes are not created",
		archive: archive(device(tar.TypeBlock, "disk", 8, 0), device(tar.TypeBlock, "vda", 254, 0),
			device(tar.TypeChar, "mem", 1, 1), reg("ok", "ok\n")),
		check: func(t *testing.T, b built) {
			wantFile(t, b.files, "/x/ok", "ok\n")
			for _, p := range []string{"/x/disk", "/x/vda", "/x/mem"} {
				wantAbsent(t, b.files, p)
			}
		},
	}, {
		name:    "a petabyte declared in a header, then the archive ends",
		archive: archive(member{tar.Header{Name: "huge", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1 << 50}, "only this"}),
		wantErr: "free",
	}, {
		name:    "a petabyte sparse file in a few hundred bytes",
		archive: gnuSparseArchive("holes", 1<<50),
		wantErr: "free",
	}}
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := s.bud(t, opts{}, "FROM busybox\nADD a.tar /x/\n", map[string]string{"a.tar": tc.archive})
				if tc.wantErr != "" {
					c.wantFailure(t, r, "Dockerfile:2", tc.wantErr)
				} else if r.code != 0 {
					t.Fatalf("build failed:\n%s", r)
				} else {
					img := s.image(t, r.id(t))
					files := img.Files()
					c.notInImage(t, files)
					tc.check(t, built{s: s, img: img, files: files})
				}
				c.unchanged(t)
			})
		}
	})
}

// TestArchiveBombsAreRefusedBeforeFillingTheDisk: on a store with 64 MiB
// free, archives of a few hundred KiB that expand to far more are refused
// up front, the disk holds no more than before, and the store still works.
func TestArchiveBombsAreRefusedBeforeFillingTheDisk(t *testing.T) {
	bombs := map[string]string{
		"gzip of 256 MiB of zeros":   gzipZeroFile(256 << 20),
		"4000 files of 32 KiB zeros": gzipString(manyZeroFiles(4000, 32<<10)),
		"sparse file of 1 TiB":       gnuSparseArchive("holes", 1<<40),
	}
	both(t, func(t *testing.T, a *account) {
		s := tmpfsStore(t, a, "64m")
		s.busybox(t)
		before := usedBytes(t, s.root())
		for name, bomb := range bombs {
			r := s.bud(t, opts{}, "FROM busybox\nADD bomb /x/\n", map[string]string{"bomb": bomb})
			if r.code == 0 {
				t.Errorf("%s: extracted onto a 64 MiB store", name)
			}
			wantOneLineError(t, r, "Dockerfile:2", "free")
			if used := usedBytes(t, s.root()); used > before+(4<<20) {
				t.Errorf("%s: the store grew from %d to %d bytes", name, before, used)
			}
		}
		s.build(t, "FROM busybox\nRUN echo ok > /ok\n", nil)
	})
}

func manyZeroFiles(n, size int) string {
	ms := make([]member, n)
	zeros := string(make([]byte, size))
	for i := range ms {
		ms[i] = reg(fmt.Sprintf("f%05d", i), zeros)
	}
	return archive(ms...)
}

// gzipZeroFile is a gzip'ed tar of one file of size zero bytes, made
// without holding the file in memory.
func gzipZeroFile(size int64) string {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: "zeros", Typeflag: tar.TypeReg, Mode: 0o644, Size: size})
	io.CopyN(tw, zeroReader{}, size)
	tw.Close()
	zw.Close()
	return buf.String()
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func gzipString(s string) string {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	io.WriteString(zw, s)
	zw.Close()
	return buf.String()
}

// gnuSparseArchive is an old-GNU sparse archive (type 'S') of one file of
// realSize bytes whose only data is its last byte. Go's tar writer cannot
// write sparse files, so the header is laid out by hand.
func gnuSparseArchive(name string, realSize int64) string {
	hdr := make([]byte, 512)
	copy(hdr[0:100], name)
	copy(hdr[100:], "0000644\x00")
	copy(hdr[108:], "0000000\x00")
	copy(hdr[116:], "0000000\x00")
	copy(hdr[124:], "00000000001\x00") // stored data: one byte
	copy(hdr[136:], "00000000000\x00")
	hdr[156] = 'S'
	copy(hdr[257:], "ustar  \x00")
	putBase256(hdr[386:398], realSize-1) // sparse[0].offset
	copy(hdr[398:], "00000000001\x00")   // sparse[0].numbytes
	putBase256(hdr[483:495], realSize)   // realsize
	copy(hdr[148:156], "        ")
	sum := 0
	for _, b := range hdr {
		sum += int(b)
	}
	copy(hdr[148:], fmt.Sprintf("%06o\x00 ", sum))
	data := make([]byte, 512)
	data[0] = 'x'
	return string(hdr) + string(data) + string(make([]byte, 1024))
}

// putBase256 writes n in GNU's binary form for numbers too big for octal.
func putBase256(field []byte, n int64) {
	clear(field)
	for i := len(field) - 1; i > 0 && n > 0; i-- {
		field[i] = byte(n)
		n >>= 8
	}
	field[0] |= 0x80
}
