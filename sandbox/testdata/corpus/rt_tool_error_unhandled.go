_, err := demo.Fail(demo.FailArgs{Reason: "quota exceeded"})
if err != nil {
	panic(err)
}
// Error: runtime line 3: demo.fail: quota exceeded
