import (
	"fmt"
	"os"
)

fmt.Println(os.Args)
// Error: import denied line 3: package os is not available
// Hint: no files or environment
