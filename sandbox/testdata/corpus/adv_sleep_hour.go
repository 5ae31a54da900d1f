// Timeout: 1s
time.Sleep(time.Hour)
// Error: timeout
