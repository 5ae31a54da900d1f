//go:build race

package wasm_test

// raceEnabled: wazero's host side then runs several times slower.
const raceEnabled = true
