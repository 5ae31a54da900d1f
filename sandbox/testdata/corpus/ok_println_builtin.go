println("builtin", 1)
print("no newline\n")
// Output:
// builtin 1
// no newline
