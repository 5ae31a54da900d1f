m := map[string]int{"a": 1}
for k := range maps.Keys(m) {
	fmt.Println(k)
}
// Error: compile line 2: maps.Keys does not work
// Hint: loop over the map
