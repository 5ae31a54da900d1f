package llmtest

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteTinyModel(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.gguf"), filepath.Join(dir, "b.gguf")
	if err := WriteTinyModel(a, 1); err != nil {
		t.Fatal(err)
	}
	if err := WriteTinyModel(b, 1); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	again, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, again) {
		t.Error("the same seed gave two different files")
	}
	if len(data) < 24 {
		t.Fatalf("file too short: %d bytes", len(data))
	}
	if magic := string(data[:4]); magic != "GGUF" {
		t.Errorf("magic = %q, want GGUF", magic)
	}
	if v := binary.LittleEndian.Uint32(data[4:8]); v != 3 {
		t.Errorf("version = %d, want 3", v)
	}
	wantTensors := uint64(3 + 9*tinyLayers)
	if n := binary.LittleEndian.Uint64(data[8:16]); n != wantTensors {
		t.Errorf("tensor count = %d, want %d", n, wantTensors)
	}
	if n := binary.LittleEndian.Uint64(data[16:24]); n == 0 {
		t.Error("no metadata")
	}
	if len(data)%ggufAlignment != 0 {
		t.Errorf("size %d is not a multiple of the alignment %d", len(data), ggufAlignment)
	}
	t.Logf("tiny model: %d bytes", len(data))
}
