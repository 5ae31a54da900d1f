// Timeout: 1s
demo.Sleep(demo.SleepArgs{Ms: 3600000})
// Error: timeout
