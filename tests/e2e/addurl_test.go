package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestAddURL pins ADD of a URL, served on 127.0.0.1 by the test: the file
// is downloaded as it is (an archive extracted only with --unpack=true),
// and --checksum verifies it.
func TestAddURL(t *testing.T) {
	archive := tarGz(map[string]string{"inner.txt": "inner\n"})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(archive))
	}))
	defer srv.Close()
	sum := sha256.Sum256([]byte(archive))
	good := "sha256:" + hex.EncodeToString(sum[:])
	bad := "sha256:" + hex.EncodeToString(make([]byte, 32))
	both(t, func(t *testing.T, a *account) {
		s := newStore(t, a)
		s.busybox(t)
		df := "FROM busybox\nADD --checksum=" + good + " " + srv.URL + "/a.tar.gz /dl/\nADD --unpack=true " + srv.URL + "/b.tar.gz /unpacked/\n"
		fs := s.image(t, s.build(t, df, nil)).Files()
		wantFile(t, fs, "/dl/a.tar.gz", archive)
		wantFile(t, fs, "/unpacked/inner.txt", "inner\n")
		wantAbsent(t, fs, "/unpacked/b.tar.gz")

		r := s.bud(t, opts{}, "FROM busybox\nADD --checksum="+bad+" "+srv.URL+"/a.tar.gz /dl/\n", nil)
		wantOneLineError(t, r, "Dockerfile:2", "checksum mismatch")
		r = s.bud(t, opts{}, "FROM busybox\nRUN echo step-ran\nADD --checksum="+good+" local.txt /x\n", map[string]string{"local.txt": "l"})
		wantOneLineError(t, r, "Dockerfile:3", "--checksum")
		wantNoStep(t, r)
	})
}
