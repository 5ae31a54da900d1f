import "fmt"

type point struct{ X, Y int }

func (p point) String() string { return fmt.Sprintf("(%d,%d)", p.X, p.Y) }

func add(a, b point) point { return point{a.X + b.X, a.Y + b.Y} }

p := add(point{1, 2}, point{3, 4})
fmt.Println(p)
fmt.Println(p.String())
// Output:
// (4,6)
// (4,6)
