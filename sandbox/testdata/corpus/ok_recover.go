safeDiv := func(a, b int) (q int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered: %v", r)
		}
	}()
	return a / b, nil
}
fmt.Println(safeDiv(7, 2))
_, err := safeDiv(1, 0)
fmt.Println(err != nil)
// Output:
// 3 <nil>
// true
