jobs := make(chan int)
results := make(chan int, 10)
var wg sync.WaitGroup
for w := 0; w < 3; w++ {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for j := range jobs {
			results <- j * j
		}
	}()
}
for i := 1; i <= 5; i++ {
	jobs <- i
}
close(jobs)
wg.Wait()
close(results)
var got []int
for r := range results {
	got = append(got, r)
}
sort.Ints(got)
fmt.Println(got)
var mu sync.Mutex
var n atomic.Int64
total := 0
var wg2 sync.WaitGroup
for i := 0; i < 100; i++ {
	wg2.Add(1)
	go func(i int) {
		defer wg2.Done()
		mu.Lock()
		total += i
		mu.Unlock()
		n.Add(1)
	}(i)
}
wg2.Wait()
fmt.Println(total, n.Load())
select {
case v := <-time.After(10 * time.Millisecond):
	fmt.Println("timer fired", !v.IsZero())
}
// Output:
// [1 4 9 16 25]
// 4950 100
// timer fired true
