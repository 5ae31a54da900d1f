//go:build race

package process

// raceEnabled: the runners are then the race-instrumented test binary, whose address-space
// needs, memory errors and stderr (race reports about the line marker, which the snippet's
// goroutines share by design) differ from a real runner's.
const raceEnabled = true
