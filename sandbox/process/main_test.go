package process

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	MaybeRunAsRunner()
	runFakeRunner()
	if serveEchoOnStdio() {
		return
	}
	os.Exit(m.Run())
}
