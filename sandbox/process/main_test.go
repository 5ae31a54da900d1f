package process

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	MaybeRunAsRunner()
	if serveEchoOnStdio() {
		return
	}
	os.Exit(m.Run())
}
