var m map[string]int
fmt.Println("ok so far")
m["a"] = 1
// Output:
// ok so far
// Error: runtime line 3: assignment to entry in nil map
