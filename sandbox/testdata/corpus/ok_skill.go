import "skills/greet"

s, err := greet.Hello("bob")
fmt.Println(s, err)
// Output:
// ECHO: HELLO BOB <nil>
