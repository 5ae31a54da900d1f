// Package flock holds exclusive locks on files that work across processes: flock(2) on Unix,
// LockFileEx on Windows. Two processes sharing a workspace (Claude Desktop's coordinator and
// Claude Code's) take one before each read-modify-write of a shared file.
//
// A lock is held by an open file, not by a process or goroutine: two Lock calls in one process
// exclude each other too. The lock goes when the file is closed, including when the process
// dies, so a killed holder never leaves a stale lock.
package flock
