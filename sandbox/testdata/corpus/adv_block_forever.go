// Timeout: 1s
ch := make(chan int)
<-ch
// Error: timeout
