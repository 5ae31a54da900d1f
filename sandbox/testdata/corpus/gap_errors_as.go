package main

import (
	"errors"
	"fmt"
)

type myErr struct{ code int }

func (e myErr) Error() string { return fmt.Sprint("code ", e.code) }

func main() {
	var err error = fmt.Errorf("wrapped: %w", myErr{7})
	var me myErr
	if errors.As(err, &me) {
		fmt.Println(me.code)
	}
}
// Error: runtime line 15: target must be interface or implement error
// Hint: use a type switch
