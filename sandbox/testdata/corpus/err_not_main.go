package tools

func main() {}
// Error: compile line 1: a snippet must be package main
