m := map[string]int{"a": 1}
clear(m)
// Error: compile line 2: the builtin clear is not available
// Hint: delete
