// Package textcap is the one place that cuts text for the model: a snippet's output and error
// ([Cut]) and one-line fields of answers ([OneLine]). Every cut is marked, and structured
// output stays valid: a JSON array or object keeps its leading elements as valid JSON.
package textcap
