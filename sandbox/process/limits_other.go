//go:build !linux && !darwin

package process

import "time"

// setOSLimits does nothing here: on Windows (and other systems) a run is bounded by the
// parent's deadline, the memory watchdog and the output limit only. A Job Object would add
// kernel limits; it is not implemented.
func setOSLimits(timeout time.Duration, memoryBytes int64) {}

// onCPULimit does nothing: there is no CPU limit signal here.
func onCPULimit(f func()) {}
