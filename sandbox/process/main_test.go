package process

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	MaybeRunAsRunner()
	os.Exit(m.Run())
}
