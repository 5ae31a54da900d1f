counter := func() func() int {
	n := 0
	return func() int { n++; return n }
}
c := counter()
c()
c()
fmt.Println(c())
adders := []func(int) int{}
for i := range 3 {
	adders = append(adders, func(x int) int { return x + i })
}
for _, f := range adders {
	fmt.Print(f(10), " ")
}
fmt.Println()
// Output:
// 3
// 10 11 12 
