package unpack

import "golang.org/x/sys/unix"

func setXattrPath(path, name, value string) error {
	return unix.Lsetxattr(path, name, []byte(value), 0)
}

func getXattrPath(path, name string) (string, error) {
	buf := make([]byte, 4096)
	n, err := unix.Lgetxattr(path, name, buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

func unixMkfifo(path string) error { return unix.Mkfifo(path, 0o644) }
