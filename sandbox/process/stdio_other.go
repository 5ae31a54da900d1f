//go:build !unix && !wasip1

package process

import "os"

// runnerStdio returns the runner's stdin and stdout.
func runnerStdio() (*os.File, *os.File) { return os.Stdin, os.Stdout }
