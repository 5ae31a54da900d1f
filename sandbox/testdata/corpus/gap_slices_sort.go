s := []int{3, 1, 2}
slices.Sort(s)
fmt.Println(s)
// Error: compile line 2: slices.Sort does not work
// Hint: sort.Slice
