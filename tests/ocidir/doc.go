// Package ocidir reads an image back out of an OCI image layout, checking it
// on the way, so tests can assert on exactly what stagebox pushed: the
// manifest, the config as JSON field names spell it, and each layer's tar
// entries. Every digest, size and diff_id is verified, the way
// go-containerregistry's validate package checks each image it touches.
package ocidir
