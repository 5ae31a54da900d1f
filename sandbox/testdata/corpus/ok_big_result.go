r, err := demo.Big(demo.BigArgs{Size: 3 << 20})
if err != nil {
	panic(err)
}
fmt.Println(len(r.Text()))
// Output:
// 3145728
