package main

import "fmt"

// Map is generic; the interpreter needs the type arguments spelled out when a func literal is passed.
func Map[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

func Sum[T int | float64](xs []T) T {
	var s T
	for _, x := range xs {
		s += x
	}
	return s
}

type Stack[T any] struct{ items []T }

func (s *Stack[T]) Push(v T) { s.items = append(s.items, v) }

func (s *Stack[T]) Pop() T {
	v := s.items[len(s.items)-1]
	s.items = s.items[:len(s.items)-1]
	return v
}

func main() {
	fmt.Println(Map[int, string]([]int{1, 2, 3}, func(x int) string { return fmt.Sprint(x * 2) }))
	fmt.Println(Sum([]int{1, 2, 3}), Sum([]float64{0.5, 0.25}))
	s := &Stack[string]{}
	s.Push("a")
	s.Push("b")
	fmt.Println(s.Pop(), s.Pop())
}

// Output:
// [2 4 6]
// 6 0.75
// b a
