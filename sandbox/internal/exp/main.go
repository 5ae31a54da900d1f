package main

import (
	"bytes"
	"fmt"
	"time"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
)

var L int

func run(src string) {
	var out bytes.Buffer
	i := interp.New(interp.Options{Stdout: &out})
	i.Use(interp.Exports{"fmt/fmt": stdlib.Symbols["fmt/fmt"], "sbx/sbx": {"L": reflectValueOfL()}})
	prog, err := i.Compile(src)
	if err != nil {
		panic(err)
	}
	t := time.Now()
	_, err = i.Execute(prog)
	fmt.Println(time.Since(t), err, out.String())
}

func main() {
	run("package main\nimport \"fmt\"\nfunc main() {\n\tx := 0\n\tfor i := 0; i < 1000000; i++ {\n\t\tx += i\n\t}\n\tfmt.Println(x)\n}\n")
	run("package main\nimport \"fmt\"\nvar _l int\nfunc main() {\n\t_l = 4; x := 0\n\tfor i := 0; i < 1000000; i++ {\n\t\t_l = 6; x += i\n\t}\n\tfmt.Println(x, _l)\n}\n")
	run("package main\nimport (\"fmt\"; \"sbx\")\nfunc main() {\n\tsbx.L = 4; x := 0\n\tfor i := 0; i < 1000000; i++ {\n\t\tsbx.L = 6; x += i\n\t}\n\tfmt.Println(x, sbx.L)\n}\n")
	fmt.Println("L", L)
}
