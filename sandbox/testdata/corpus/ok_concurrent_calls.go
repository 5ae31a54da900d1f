// Twenty calls of 100 ms each from goroutines finish together, not one after the other.
start := time.Now()
var wg sync.WaitGroup
var mu sync.Mutex
n := 0
for i := 0; i < 20; i++ {
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, err := demo.Sleep(demo.SleepArgs{Ms: 100}); err != nil {
			panic(err)
		}
		mu.Lock()
		n++
		mu.Unlock()
	}()
}
wg.Wait()
fmt.Println(n, time.Since(start) < time.Second)
// Output:
// 20 true
