// Package e2e runs the real stagebox binary end to end, as root and as an
// unprivileged user, the way a person or a CI job would.
//
// Every scenario runs twice, as t.Run("root") and t.Run("rootless"); the
// rootless half runs stagebox through `runuser -u $STAGEBOX_TEST_USER`
// (default sbtest, which needs /etc/subuid and /etc/subgid ranges) when the
// suite runs as root, and as the invoking user otherwise. Each user gets
// private --root/--runroot stores. Results are checked from the outside:
// `stagebox push IMAGE oci:DIR:TAG` and reading the layout back with
// tests/ocidir, and `stagebox run`.
//
// Environment: STAGEBOX_BINARY uses a prebuilt binary instead of building
// one; STAGEBOX_TEST_USER names the unprivileged user;
// STAGEBOX_TEST_USER_NOSUBID (default sbnosub) a second one with no
// /etc/subuid or /etc/subgid ranges, for the locked-down host tests;
// STAGEBOX_E2E_KEEP=1 keeps the work directory for a post-mortem.
//
// The containment and robustness tests (issue 4) are named for the attack:
// hostile_context, hostile_archive, isolation, faults, badinput and
// lockeddown. They plant a world-writable canary directory on the host
// and prove a build neither reads it into an image nor changes it.
package e2e
